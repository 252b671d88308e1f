import { capabilityStatement, resourceTypesOf } from '@fhir-bulk/fhir';
import { searchDefinitions } from '@fhir-bulk/search';
import { validateResource } from '@fhir-bulk/validation';
import { BUNDLE_TYPES, resourceCapability } from '../src';

const EVERY: Parameters<typeof resourceCapability>[1] = [
  'search-type',
  'create',
  'read',
  'update',
  'delete',
  'history-instance',
  'vread',
];

describe('resourceCapability', () => {
  it('declares the interactions given, with the flags their handlers earn', () => {
    expect(resourceCapability('Patient', EVERY, '4.0.1')).toMatchObject({
      type: 'Patient',
      interaction: EVERY.map((code) => ({ code })),
      versioning: 'versioned-update',
      readHistory: true,
      updateCreate: true,
    });
  });

  it('leaves out a flag, and the search parameters, whose interaction is not given', () => {
    const readOnly = resourceCapability('Patient', ['read'], '4.0.1');
    expect(readOnly).toEqual({ type: 'Patient', interaction: [{ code: 'read' }] });
  });

  it('declares the type’s search parameters of the version, then _count and _summary', () => {
    for (const version of ['4.0.1', '5.0.0'] as const) {
      const names = resourceCapability('Observation', EVERY, version).searchParam?.map((p) => p.name);
      const declared = searchDefinitions(version).declared('Observation');
      expect(names).toEqual([...declared.map((p) => p.name), '_count', '_summary']);
    }
    // R5's DeviceUsage has a patient parameter; R4 has no such type.
    const deviceUsage = resourceCapability('DeviceUsage', EVERY, '5.0.0').searchParam?.map((p) => p.name);
    expect(deviceUsage).toContain('patient');
    expect(resourceCapability('DeviceUsage', EVERY, '4.0.1').searchParam?.map((p) => p.name)).not.toContain('patient');
  });

  const statementOf = (fhirVersion: '4.0.1' | '5.0.0') =>
    capabilityStatement({
      baseUrl: 'https://fhir.example/tenant/a',
      fhirVersion,
      software: { name: 'fhir-bulk', version: '0' },
      date: '2025-01-01T00:00:00.000Z',
      resources: resourceTypesOf(fhirVersion).map((type) => resourceCapability(type, EVERY, fhirVersion)),
      systemInteractions: BUNDLE_TYPES,
      exportLevels: ['system', 'patient', 'group'],
      importDefinition: 'https://fhir.example/tenant/a/OperationDefinition/import',
      oauth: { token: 'https://fhir.example/auth/token', register: 'https://fhir.example/auth/register' },
    });

  it('makes, with the statement around it, a valid R4 CapabilityStatement', () => {
    const statement = statementOf('4.0.1');
    // The official R4 JSON schema's FHIRVersion codes stop at 4.0.0, although 4.0.1 is R4's own version.
    const issues = validateResource(statement).filter((i) => i.expression !== 'CapabilityStatement.fhirVersion');
    expect(issues).toEqual([]);
    expect(statement.rest[0]?.interaction).toEqual([{ code: 'transaction' }, { code: 'batch' }]);
  });

  it('makes a valid R5 CapabilityStatement naming 5.0.0 and the R5 types', () => {
    const statement = statementOf('5.0.0');
    expect(validateResource(statement, { fhirVersion: '5.0.0' })).toEqual([]);
    expect(statement.fhirVersion).toBe('5.0.0');
    const types = statement.rest[0]!.resource.map((r) => r.type);
    expect(types).toContain('DeviceUsage');
    expect(types).not.toContain('DeviceUseStatement');
  });
});
