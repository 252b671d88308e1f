import { classifyRequest } from '../src';

describe('classifyRequest', () => {
  it.each([
    ['GET', '/Patient', { kind: 'rest', interaction: 'search-type', resourceType: 'Patient' }],
    ['POST', '/Patient', { kind: 'rest', interaction: 'create', resourceType: 'Patient' }],
    ['GET', '/Patient/1', { kind: 'rest', interaction: 'read', resourceType: 'Patient', id: '1' }],
    ['PUT', '/Patient/1', { kind: 'rest', interaction: 'update', resourceType: 'Patient', id: '1' }],
    ['DELETE', '/Patient/1', { kind: 'rest', interaction: 'delete', resourceType: 'Patient', id: '1' }],
    ['GET', '/Patient/1/_history', { kind: 'rest', interaction: 'history-instance', resourceType: 'Patient', id: '1' }],
    [
      'GET',
      '/Patient/1/_history/2',
      { kind: 'rest', interaction: 'vread', resourceType: 'Patient', id: '1', versionId: '2' },
    ],
    ['GET', '/Patient/_history', { kind: 'rest', interaction: 'history-type', resourceType: 'Patient' }],
    ['GET', '/_history', { kind: 'rest', interaction: 'history-system' }],
    ['POST', '/$viewdefinition-run', { kind: 'rest', interaction: 'operation' }],
    ['GET', '/$export', { kind: 'kickoff', operation: 'export' }],
    ['POST', '/Patient/$export', { kind: 'kickoff', operation: 'export' }],
    ['GET', '/Group/g1/$export', { kind: 'kickoff', operation: 'export', target: { type: 'Group', id: 'g1' } }],
    ['GET', '/Patient/p1/%24export', { kind: 'kickoff', operation: 'export', target: { type: 'Patient', id: 'p1' } }],
    ['POST', '/$import', { kind: 'kickoff', operation: 'import' }],
    ['POST', '/$bulk-submit', { kind: 'kickoff', operation: 'bulk-submit' }],
    ['POST', '/ViewDefinition/v/$viewdefinition-export', { kind: 'kickoff', operation: 'view-export' }],
    ['DELETE', '/_export/j1', { kind: 'cancel', job: 'export', jobId: 'j1' }],
    ['DELETE', '/_import/j1', { kind: 'cancel', job: 'import', jobId: 'j1' }],
    ['DELETE', '/_viewdefinition-export/j1', { kind: 'cancel', job: 'view-export', jobId: 'j1' }],
    ['GET', '/_export/j1/files/a.ndjson', { kind: 'download', job: 'export', jobId: 'j1', file: 'a.ndjson' }],
    [
      'HEAD',
      '/_import/j1/files/errors-0.ndjson',
      { kind: 'download', job: 'import', jobId: 'j1', file: 'errors-0.ndjson' },
    ],
  ])('%s %s', (method, path, expected) => {
    expect(classifyRequest(method, path)).toEqual(expected);
  });

  it('tells a batch Bundle from a transaction by its type', () => {
    expect(classifyRequest('POST', '/', 'batch')).toEqual({ kind: 'rest', interaction: 'batch' });
    expect(classifyRequest('POST', '/', 'transaction')).toEqual({ kind: 'rest', interaction: 'transaction' });
  });

  it.each([
    ['GET', '/_export/j1'],
    ['GET', '/$bulk-export-status/j1'],
    ['GET', '/_import/j1'],
    ['GET', '/_bulk-submit/s1'],
    ['POST', '/$bulk-submit-status'],
    ['GET', '/'],
  ])('does not audit status polls and non-FHIR paths: %s %s', (method, path) => {
    expect(classifyRequest(method, path)).toBeUndefined();
  });
});
