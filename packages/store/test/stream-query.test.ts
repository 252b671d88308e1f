import type { FhirResource } from '@fhir-bulk/fhir';
import { anyOfSearches, type ResourceDocument, streamFilter, streamMatcher, toDocument } from '../src';

const observation = (id: string, code: string, patient: string, lastUpdated: string): ResourceDocument =>
  toDocument(
    't',
    {
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code }] },
      subject: { reference: `Patient/${patient}` },
    } as FhirResource & { id: string },
    { versionId: 1, lastUpdated: new Date(lastUpdated) },
    '4.0.1',
  );

const docs = [
  observation('a', '1', 'p1', '2024-01-01T00:00:00Z'),
  observation('b', '2', 'p2', '2024-01-02T00:00:00Z'),
  observation('c', '3', 'p1', '2024-01-03T00:00:00Z'),
];
const kept = (matches: (doc: ResourceDocument) => boolean) => docs.filter(matches).map((doc) => doc.id);

describe('stream queries', () => {
  it('keep the resources that match any of several searches', () => {
    const filter = anyOfSearches('Observation', [[['code', '1']], [['code', '3']]], '4.0.1');
    expect(kept(streamMatcher('t', { filter: filter! }))).toEqual(['a', 'c']);
    expect(anyOfSearches('Observation', [], '4.0.1')).toBeUndefined();
  });

  it('keep the resources in the given compartments, within the time window', () => {
    expect(kept(streamMatcher('t', { compartments: ['Patient/p1'] }))).toEqual(['a', 'c']);
    expect(kept(streamMatcher('t', { compartments: ['Patient/p1'], since: new Date('2024-01-02T00:00:00Z') }))).toEqual(
      ['c'],
    );
  });

  it('name the tenant beside the compartments, for the (tenant, compartments) index', () => {
    expect(streamFilter('t', { compartments: ['Patient/p1'] })).toMatchObject({
      tenant: 't',
      compartments: { $in: ['Patient/p1'] },
    });
  });
});
