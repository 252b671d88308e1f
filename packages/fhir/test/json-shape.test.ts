import { jsonShapeProblem, MAX_JSON_DEPTH } from '../src';

/** An object nested `levels` deep: {a: {a: … {}}}. */
function nested(levels: number): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let at = root;
  for (let i = 0; i < levels; i++) {
    const next: Record<string, unknown> = {};
    at.a = next;
    at = next;
  }
  return root;
}

describe('jsonShapeProblem', () => {
  it('accepts ordinary FHIR JSON, tabs, newlines, carriage returns and emoji included', () => {
    const patient = {
      resourceType: 'Patient',
      name: [{ given: ['Ann', 'Marie'], family: 'Smith' }],
      text: { div: '<div>line one\n\tline two\r\n😀</div>' },
      active: true,
      multipleBirthInteger: 2,
    };
    expect(jsonShapeProblem(patient, 'Patient')).toBeUndefined();
  });

  it(`accepts ${MAX_JSON_DEPTH - 1} levels of nesting and refuses more, however deep, without overflowing`, () => {
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH - 1))).toBeUndefined();
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH + 1))?.message).toBe(`nests deeper than ${MAX_JSON_DEPTH} levels`);
    expect(jsonShapeProblem(nested(200_000))?.message).toBe(`nests deeper than ${MAX_JSON_DEPTH} levels`);
  });

  it('refuses an array inside an array, naming where', () => {
    expect(jsonShapeProblem({ identifier: [{ value: 'x' }, [{ value: 'y' }]] }, 'Patient')).toEqual({
      path: 'Patient.identifier[1]',
      message: 'is an array inside an array, which FHIR JSON never has',
    });
  });

  it.each([
    ['NUL', 'a\u0000b', 'U+0000'],
    ['escape', '\u001b[31m', 'U+001B'],
    ['vertical tab', 'a\u000bb', 'U+000B'],
  ])('refuses a string with the control character %s', (_name, text, code) => {
    expect(jsonShapeProblem({ name: [{ family: text }] }, 'Patient')).toEqual({
      path: 'Patient.name[0].family',
      message: `contains the control character ${code}, which FHIR strings must not`,
    });
  });

  it.each([
    ['a lone high surrogate', 'x\uD800y', 'U+D800'],
    ['a lone low surrogate', '\uDC00', 'U+DC00'],
    ['two high surrogates', '\uD83D\uD83D', 'U+D83D'],
  ])('refuses a string with %s', (_name, text, code) => {
    expect(jsonShapeProblem({ status: text })?.message).toBe(
      `contains an unpaired UTF-16 surrogate (${code}), which is not text`,
    );
  });

  it('refuses a number beyond the range of a double (1e999 parses to Infinity), naming where', () => {
    const body = JSON.parse('{"resourceType":"Observation","valueQuantity":{"value":-1e999}}') as unknown;
    expect(jsonShapeProblem(body, 'Observation')).toEqual({
      path: 'Observation.valueQuantity.value',
      message: 'is a number beyond the range of a double',
    });
    expect(jsonShapeProblem({ value: 1.7976931348623157e308, small: 5e-324 })).toBeUndefined();
  });

  it('checks property names too', () => {
    expect(jsonShapeProblem({ contact: [{ 'na\u0000me': 1 }] }, 'Patient')).toEqual({
      path: 'Patient.contact[0]',
      message: 'has a property name that contains the control character U+0000, which FHIR strings must not',
    });
  });

  it('finds the first problem in document order', () => {
    expect(jsonShapeProblem({ a: ['ok', 'b\u0001'], b: [[1]] })?.path).toBe('$.a[1]');
  });
});
