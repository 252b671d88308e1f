import { capabilityStatement, type CapabilityOptions } from '../src';

const options = (changes: Partial<CapabilityOptions> = {}): CapabilityOptions => ({
  baseUrl: 'https://fhir.example',
  fhirVersion: '4.0.1',
  software: { name: 'fhir-bulk', version: '0' },
  date: '2025-01-01T00:00:00.000Z',
  resources: ['Group', 'Observation', 'Patient'].map((type) => ({ type, interaction: [{ code: 'read' }] })),
  systemInteractions: ['transaction'],
  exportLevels: ['system', 'patient', 'group'],
  importDefinition: 'https://fhir.example/OperationDefinition/import',
  ...changes,
});

const OPERATIONS = 'http://hl7.org/fhir/uv/bulkdata/OperationDefinition';

describe('capabilityStatement', () => {
  it('declares each export level’s operation where the Bulk Data IG does: system, Patient and Group', () => {
    const [rest] = capabilityStatement(options()).rest;
    const byType = Object.fromEntries(rest!.resource.map((r) => [r.type, r.operation]));
    expect(byType.Patient).toEqual([{ name: 'export', definition: `${OPERATIONS}/patient-export` }]);
    expect(byType.Group).toEqual([{ name: 'export', definition: `${OPERATIONS}/group-export` }]);
    expect(byType.Observation).toBeUndefined();
    expect(rest!.operation).toContainEqual(expect.objectContaining({ definition: `${OPERATIONS}/export` }));
    expect(rest!.operation).toContainEqual({
      name: 'import',
      definition: 'https://fhir.example/OperationDefinition/import',
    });
  });

  it('declares no export operation for a level not kicked off', () => {
    const [rest] = capabilityStatement(options({ exportLevels: ['patient'] })).rest;
    expect(rest!.operation.map((o) => o.definition)).not.toContain(`${OPERATIONS}/export`);
    expect(rest!.resource.find((r) => r.type === 'Group')?.operation).toBeUndefined();
  });

  it('has rest.security with the SMART service exactly when OAuth endpoints are given', () => {
    expect(capabilityStatement(options()).rest[0]).not.toHaveProperty('security');
    const oauth = { token: 'https://fhir.example/auth/token', register: 'https://fhir.example/auth/register' };
    const security = (capabilityStatement(options({ oauth })).rest[0] as { security?: { service: unknown[] } })
      .security;
    expect(security?.service).toEqual([
      expect.objectContaining({
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
      }),
    ]);
  });
});
