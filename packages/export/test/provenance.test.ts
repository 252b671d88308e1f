import { needsTargetCompartments, provenanceTargets, withTargetCompartments } from '../src';

const provenance = (...references: unknown[]) => ({
  resourceType: 'Provenance',
  id: 'prov',
  target: references.map((reference) => ({ reference })),
});

describe('provenanceTargets', () => {
  it('lists the resources a Provenance is about as Type/id, Patients left to its own compartments', () => {
    const resource = provenance(
      'Observation/o1',
      'Patient/p1',
      'Condition/c1/_history/2',
      'https://x/fhir/Encounter/e1',
    );
    expect(provenanceTargets(resource, '4.0.1')).toEqual(['Observation/o1', 'Condition/c1', 'Encounter/e1']);
  });

  it('leaves out contained, unknown-type, duplicate and malformed references', () => {
    const resource = provenance(
      '#inner',
      'Nonsense/x',
      'urn:uuid:1',
      42,
      undefined,
      'Observation/o1',
      'Observation/o1',
    );
    expect(provenanceTargets(resource, '4.0.1')).toEqual(['Observation/o1']);
    expect(provenanceTargets({ resourceType: 'Provenance', target: 'Observation/o1' }, '4.0.1')).toEqual([]);
    expect(
      provenanceTargets({ resourceType: 'Observation', target: [{ reference: 'Observation/o1' }] }, '4.0.1'),
    ).toEqual([]);
  });
});

describe('withTargetCompartments', () => {
  it("adds the compartments each target has now to the Provenance's own, once each", () => {
    const known = new Map([
      ['Observation/o1', ['Patient/p1']],
      ['Condition/c1', ['Patient/p1', 'Patient/p2']],
      ['Observation/gone', []],
    ]);
    const targets = ['Observation/o1', 'Condition/c1', 'Observation/gone', 'Observation/unread'];
    expect(withTargetCompartments(['Patient/p3'], targets, known)).toEqual(['Patient/p3', 'Patient/p1', 'Patient/p2']);
    expect(withTargetCompartments([], ['Observation/gone'], known)).toEqual([]);
  });
});

describe('needsTargetCompartments', () => {
  it('holds for Provenance output at Patient and Group level only (a system export takes every Provenance)', () => {
    expect(needsTargetCompartments({ level: 'patient' }, { type: 'Provenance', kind: 'output' })).toBe(true);
    expect(needsTargetCompartments({ level: 'group' }, { type: 'Provenance', kind: 'output' })).toBe(true);
    expect(needsTargetCompartments({ level: 'system' }, { type: 'Provenance', kind: 'output' })).toBe(false);
    expect(needsTargetCompartments({ level: 'group' }, { type: 'Provenance', kind: 'deleted' })).toBe(false);
    expect(needsTargetCompartments({ level: 'group' }, { type: 'Observation', kind: 'output' })).toBe(false);
  });
});
