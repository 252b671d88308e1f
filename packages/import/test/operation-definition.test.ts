import { rejection as refusal } from '@fhir-bulk/test-support/src/rejection';
import { validateResource } from '@fhir-bulk/validation';
import { importOperationDefinition, type OperationParameter, parseImportKickoff } from '../src';

const URL = 'https://fhir.example/tenant/a/OperationDefinition/import';
const definition = importOperationDefinition(URL);

/** A value of each declared type that parseImportKickoff accepts. */
const VALUES: Record<string, Record<string, unknown>> = {
  inputFormat: { valueCode: 'application/fhir+ndjson' },
  inputSource: { valueUri: 'https://ehr.example/fhir' },
  storageDetail: { valueCode: 's3' },
  mode: { valueCode: 'InitialLoad' },
  type: { valueCode: 'Patient' },
  url: { valueUri: 's3://fhir-bulk-import/a/patients.ndjson' },
  etag: { valueString: '"abc"' },
};

/** A parameter as declared: `type`d ones with a value, the others with their parts (less `without`). */
function parameterOf(declared: OperationParameter, without?: string): object {
  if (!declared.part) return { name: declared.name, ...VALUES[declared.name] };
  return { name: declared.name, part: declared.part.filter((p) => p.name !== without).map((p) => parameterOf(p)) };
}

const bodyOf = (parameter: object[]) => ({ resourceType: 'Parameters', parameter });
const everyDeclared = (without?: string) =>
  definition.parameter.filter((p) => p.name !== without).map((p) => parameterOf(p, without));

describe('the $import OperationDefinition', () => {
  it('is a valid R4 OperationDefinition at the URL it is served from', () => {
    expect(validateResource(definition)).toEqual([]);
    expect(definition).toMatchObject({ url: URL, code: 'import', kind: 'operation', system: true, type: false });
  });

  it('declares parameters parseImportKickoff accepts, every one at once', () => {
    const request = parseImportKickoff(bodyOf(everyDeclared()), 'respond-async', '4.0.1');
    expect(request).toMatchObject({
      inputFormat: 'application/fhir+ndjson',
      inputSource: 'https://ehr.example/fhir',
      storageDetail: 's3',
      mode: 'InitialLoad',
      inputs: [{ type: 'Patient', url: 's3://fhir-bulk-import/a/patients.ndjson', etag: '"abc"' }],
    });
  });

  it('marks required exactly the parameters whose absence parseImportKickoff refuses', () => {
    for (const declared of definition.parameter) {
      const run = () => parseImportKickoff(bodyOf(everyDeclared(declared.name)), 'respond-async', '4.0.1');
      if (declared.min === 0) expect(run).not.toThrow();
      else expect(refusal(run).outcome.issue[0]?.expression).toEqual([declared.name]);
    }
    const input = definition.parameter.find((p) => p.name === 'input')!;
    for (const part of input.part ?? []) {
      const run = () => parseImportKickoff(bodyOf(everyDeclared(part.name)), 'respond-async', '4.0.1');
      if (part.min === 0) expect(run).not.toThrow();
      else expect(refusal(run).outcome.issue[0]?.expression).toEqual([`input[0].${part.name}`]);
    }
  });

  it('declares the input limit parseImportKickoff enforces', () => {
    const input = definition.parameter.find((p) => p.name === 'input')!;
    const inputs = (count: number) =>
      bodyOf([
        { name: 'inputFormat', valueCode: 'ndjson' },
        ...Array.from({ length: count }, () => parameterOf(input)),
      ]);
    expect(() => parseImportKickoff(inputs(Number(input.max)), 'respond-async', '4.0.1')).not.toThrow();
    const tooMany = refusal(() => parseImportKickoff(inputs(Number(input.max) + 1), 'respond-async', '4.0.1'));
    expect(tooMany.outcome.issue[0]).toMatchObject({ code: 'too-costly', expression: ['input'] });
  });
});
