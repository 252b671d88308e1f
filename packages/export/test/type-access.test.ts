import { readableExport } from '../src';
import { rejection as refusal } from '@fhir-bulk/test-support/src/rejection';
import { get } from './kickoff-helpers';

const readable = new Set(['Patient', 'Observation']);
const mayRead = (type: string) => readable.has(type);

describe('readableExport', () => {
  it('keeps a request whose every type is readable as it is', () => {
    const request = get('_type=Patient,Observation');
    expect(readableExport(request, mayRead)).toBe(request);
  });

  it('refuses with 403 ACCESS_DENIED when _type names a type no granted scope reads', () => {
    const error = refusal(() => readableExport(get('_type=Patient,Condition'), mayRead));
    expect(error.status).toBe(403);
    expect(error.outcome.issue[0]).toMatchObject({
      code: 'forbidden',
      details: { coding: [{ code: 'ACCESS_DENIED' }] },
      diagnostics: expect.stringContaining('Condition') as string,
    });
  });

  it('leaves default types out that are not readable, and says so in the error file (code forbidden)', () => {
    const request = get('');
    expect(request.typesRequested).toBe(false);
    const scoped = readableExport(request, mayRead);
    expect(scoped.types.sort()).toEqual(['Observation', 'Patient']);
    expect(scoped.ignored).toEqual([
      { parameter: '_type', code: 'forbidden', reason: expect.stringContaining('Condition') as string },
    ]);
  });

  it('refuses with 403 when no default type is readable', () => {
    expect(refusal(() => readableExport(get(''), () => false)).status).toBe(403);
  });
});
