import { compileView, type FhirJson, hasInexactNumber, parseWithExactDecimals } from '../src';

/** One row's columns, each a FHIRPath path on the Observation. */
function columns(observation: FhirJson, paths: Record<string, string>) {
  const column = Object.entries(paths).map(([name, path]) => ({ name, path }));
  return compileView({ resource: 'Observation', select: [{ column }] }).rows(observation)[0];
}
const observation = (json: string) => parseWithExactDecimals(json) as FhirJson;

describe('decimals read with parseWithExactDecimals', () => {
  it('keep the precision they are written with, for the boundaries and toString()', () => {
    const o = observation('{"resourceType": "Observation", "id": "o1", "valueQuantity": {"value": 1.0}}');

    expect(
      columns(o, {
        value: 'value.ofType(Quantity).value',
        low: 'value.ofType(Quantity).value.lowBoundary()',
        high: 'value.ofType(Quantity).value.highBoundary()',
        text: 'value.ofType(Quantity).value.toString()',
        sum: 'value.ofType(Quantity).value + 0.5',
        equal: 'value.ofType(Quantity).value = 1',
      }),
    ).toEqual({ value: 1, low: 0.95, high: 1.05, text: '1.0', sum: 1.5, equal: true });
  });

  it('are written back as JSON numbers, in complex columns too', () => {
    const o = observation(
      '{"resourceType": "Observation", "id": "o1", "valueQuantity": {"value": 2.50, "unit": "mg"}}',
    );

    expect(columns(o, { quantity: 'value.ofType(Quantity)' })).toEqual({ quantity: { value: 2.5, unit: 'mg' } });
    expect(JSON.stringify(o)).toBe(
      '{"resourceType":"Observation","id":"o1","valueQuantity":{"value":2.5,"unit":"mg"}}',
    );
  });

  it('stay plain numbers when the number says all the text does, and leave digits in strings alone', () => {
    const text = '{"a": 1, "b": 2.5, "c": -3, "d": 1e-7, "e": "1.0", "f": "x\\"1.50", "g": [0.1]}';

    expect(parseWithExactDecimals(text)).toEqual(JSON.parse(text));
    expect(hasInexactNumber(text)).toBe(false);
    expect(hasInexactNumber('{"e": "1.0", "h": 1.0}')).toBe(true);
  });

  it('keep digits a double cannot hold, and exponents as written', () => {
    const { a, b } = parseWithExactDecimals('{"a": 0.1000000000000000055, "b": 1.5E2}') as Record<string, unknown>;

    expect(String(a)).toBe('0.1000000000000000055');
    expect(String(b)).toBe('1.5E2');
  });

  it('are lost by JSON.parse, as in documents read from MongoDB: 1.0 is 1 and its boundaries are 0.5 and 1.5', () => {
    const o = JSON.parse('{"resourceType": "Observation", "id": "o1", "valueQuantity": {"value": 1.0}}') as FhirJson;

    expect(
      columns(o, {
        low: 'value.ofType(Quantity).value.lowBoundary()',
        high: 'value.ofType(Quantity).value.highBoundary()',
      }),
    ).toEqual({ low: 0.5, high: 1.5 });
  });
});

describe('lowBoundary() and highBoundary() of a dateTime', () => {
  const at = (effectiveDateTime: string) => ({ resourceType: 'Observation', id: 'o1', effectiveDateTime });
  const boundaries = { low: 'effective.lowBoundary()', high: 'effective.highBoundary()' };

  it('take the earliest and latest offsets when the value has none', () => {
    expect(columns(at('2010-10-10'), boundaries)).toEqual({
      low: '2010-10-10T00:00:00.000+14:00',
      high: '2010-10-10T23:59:59.999-12:00',
    });
    expect(columns(at('2014-01-01T08:05'), { low: 'effective.lowBoundary(10)' })).toEqual({
      low: '2014-01-01T08+14:00',
    });
  });

  it('keep the offset the value has', () => {
    expect(columns(at('2014-01-01T08:05+05:30'), boundaries)).toEqual({
      low: '2014-01-01T08:05:00.000+05:30',
      high: '2014-01-01T08:05:59.999+05:30',
    });
    expect(columns(at('2014-01-01T08:05:00Z'), { low: 'effective.lowBoundary()' })).toEqual({
      low: '2014-01-01T08:05:00.000Z',
    });
  });

  it('give no offset at a precision without a time, nor to dates and times', () => {
    expect(
      columns(at('2014-01-01T08:05'), { day: 'effective.lowBoundary(8)', month: 'effective.highBoundary(6)' }),
    ).toEqual({ day: '2014-01-01', month: '2014-01' });
    expect(columns(at('2014-01-01'), { date: '@2014-02.highBoundary()', time: '@T10:30.highBoundary()' })).toEqual({
      date: '2014-02-28',
      time: '10:30:59.999',
    });
  });

  it('are dateTimes that compare as instants', () => {
    expect(
      columns(at('2010-10-10'), {
        before: 'effective.lowBoundary() < @2010-10-09T10:00:01Z',
        after: 'effective.highBoundary() > @2010-10-11T11:59:59Z',
      }),
    ).toEqual({ before: true, after: true });
  });

  it('are empty for no value and an error for several', () => {
    const o = { resourceType: 'Observation', id: 'o1', component: [{ valueInteger: 1 }, { valueInteger: 2 }] };

    expect(columns(o, { none: 'effective.lowBoundary()' })).toEqual({ none: null });
    expect(() => columns(o, { many: 'component.value.lowBoundary()' })).toThrow(/single value/);
  });
});
