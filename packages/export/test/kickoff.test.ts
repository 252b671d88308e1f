import { OperationOutcomeError } from '@fhir-bulk/fhir';
import { NDJSON, parseKickoff } from '../src';

const base = { level: 'system' as const, prefer: 'respond-async', requestUrl: 'http://x/$export' };

function rejection(run: () => unknown): OperationOutcomeError {
  try {
    run();
  } catch (error) {
    if (error instanceof OperationOutcomeError) return error;
    throw error;
  }
  throw new Error('expected an OperationOutcomeError');
}

describe('parseKickoff', () => {
  it('accepts a request for several types and echoes the request URL', () => {
    expect(parseKickoff({ ...base, query: { _type: 'Patient,Observation' } })).toEqual({
      level: 'system',
      types: ['Patient', 'Observation'],
      outputFormat: NDJSON,
      requestUrl: 'http://x/$export',
    });
  });

  it('reads repeated _type parameters and drops duplicates', () => {
    expect(parseKickoff({ ...base, query: { _type: ['Patient', 'Patient,Condition'] } }).types).toEqual([
      'Patient',
      'Condition',
    ]);
  });

  it.each(['application/fhir+ndjson', 'application/ndjson', 'ndjson'])('takes %s as NDJSON', (format) => {
    expect(parseKickoff({ ...base, query: { _outputFormat: format } }).outputFormat).toBe(NDJSON);
  });

  it('finds respond-async among other preferences', () => {
    expect(() => parseKickoff({ ...base, prefer: 'handling=strict, respond-async', query: {} })).not.toThrow();
  });

  it('rejects a kick-off without Prefer: respond-async', () => {
    const error = rejection(() => parseKickoff({ ...base, prefer: undefined, query: {} }));
    expect(error.status).toBe(400);
    expect(error.outcome.issue[0]?.expression).toEqual(['Prefer']);
  });

  it('names an unknown resource type', () => {
    const error = rejection(() => parseKickoff({ ...base, query: { _type: 'Patient,Foo' } }));
    expect(error.status).toBe(400);
    expect(error.outcome.issue[0]).toMatchObject({
      diagnostics: '_type names unknown resource types: Foo',
      expression: ['_type'],
    });
  });

  it('rejects an output format it cannot write', () => {
    const error = rejection(() => parseKickoff({ ...base, query: { _outputFormat: 'text/csv' } }));
    expect(error.outcome.issue[0]).toMatchObject({ code: 'not-supported', expression: ['_outputFormat'] });
  });

  it('rejects a parameter it does not implement instead of ignoring it', () => {
    const error = rejection(() => parseKickoff({ ...base, query: { _since: '2020-01-01' } }));
    expect(error.outcome.issue[0]).toMatchObject({ code: 'not-supported', expression: ['_since'] });
  });
});
