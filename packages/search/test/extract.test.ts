import { compartmentsOf, evaluatePath, extractSearchKeys, parseDateRange } from '../src';

const d = (iso: string) => new Date(iso);

describe('evaluatePath', () => {
  it('flattens arrays at every step', () => {
    const patient = { name: [{ given: ['A', 'B'] }, { given: ['C'] }, {}] };
    expect(evaluatePath(patient, 'name.given')).toEqual(['A', 'B', 'C']);
    expect(evaluatePath({ component: [{ code: { text: 'x' } }] }, 'component.code')).toEqual([{ text: 'x' }]);
    expect(evaluatePath({ subject: null }, 'subject')).toEqual([]);
  });
});

describe('parseDateRange', () => {
  it.each([
    ['2020', '2020-01-01T00:00:00.000Z', '2021-01-01T00:00:00.000Z'],
    ['2020-01', '2020-01-01T00:00:00.000Z', '2020-02-01T00:00:00.000Z'],
    ['2020-12', '2020-12-01T00:00:00.000Z', '2021-01-01T00:00:00.000Z'],
    ['2020-02-29', '2020-02-29T00:00:00.000Z', '2020-03-01T00:00:00.000Z'],
    ['2020-01-01T10:00+02:00', '2020-01-01T08:00:00.000Z', '2020-01-01T08:01:00.000Z'],
    ['2020-01-01T10:00:05Z', '2020-01-01T10:00:05.000Z', '2020-01-01T10:00:06.000Z'],
    ['2020-01-01T10:00:05.123Z', '2020-01-01T10:00:05.123Z', '2020-01-01T10:00:05.124Z'],
    ['2020-01-01T10:00:05.5Z', '2020-01-01T10:00:05.500Z', '2020-01-01T10:00:05.600Z'],
  ])('%s', (text, start, end) => {
    expect(parseDateRange(text)).toEqual({ start: d(start), end: d(end) });
  });

  it('keeps years below 100 literal', () => {
    expect(parseDateRange('0050')?.start.getUTCFullYear()).toBe(50);
  });

  it.each(['2020-13', '2021-02-29', '2020-01-01T25:00Z', '20', 'yesterday', '2020-01-01T10:00+15:00'])(
    'rejects %s',
    (t) => {
      expect(parseDateRange(t)).toBeUndefined();
    },
  );
});

describe('extractSearchKeys', () => {
  it('stores token keys with and without system', () => {
    const keys = extractSearchKeys({
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }, { code: 'local' }], text: 'Heart rate' },
      identifier: [{ system: 'urn:sys', value: 'X1' }, { value: 'bare' }],
    });
    expect(keys.status).toEqual(['final']);
    expect(keys.code).toEqual(['8867-4', 'http://loinc.org|8867-4', 'http://loinc.org|', 'local', '|local']);
    expect(keys.identifier).toEqual(['X1', 'urn:sys|X1', 'urn:sys|', 'bare', '|bare']);
  });

  it('stores booleans and codes as strings, and nothing for absent elements', () => {
    expect(extractSearchKeys({ resourceType: 'Patient', active: false, gender: 'female' })).toEqual({
      active: ['false'],
      gender: ['female'],
    });
  });

  it('stores references as Type/id and keeps only Patients for Patient-only parameters', () => {
    const keys = extractSearchKeys({
      resourceType: 'Observation',
      subject: { reference: 'https://x.example/fhir/Patient/p1/_history/3' },
      encounter: { reference: 'Encounter/e1' },
    });
    expect(keys.subject).toEqual(['Patient/p1']);
    expect(keys.patient).toEqual(['Patient/p1']);
    expect(keys.encounter).toEqual(['Encounter/e1']);
    const group = extractSearchKeys({ resourceType: 'Observation', subject: { reference: 'Group/g1' } });
    expect(group).toEqual({ subject: ['Group/g1'] });
    expect(extractSearchKeys({ resourceType: 'Observation', subject: { reference: '#contained' } })).toEqual({});
  });

  it('stores the envelope of dates, open ends absent, and which date codes have a value', () => {
    expect(extractSearchKeys({ resourceType: 'Patient', birthDate: '1980-05' })).toEqual({
      birthdate__start: d('1980-05-01T00:00:00Z'),
      birthdate__end: d('1980-06-01T00:00:00Z'),
      _dates: ['birthdate'],
    });
    expect(extractSearchKeys({ resourceType: 'Encounter', period: { start: '2021-02-01T08:00:00Z' } })).toEqual({
      date__start: d('2021-02-01T08:00:00Z'),
      _dates: ['date'],
    });
    // A Timing counts by its events and the outer limits of its bounds, not by its schedule.
    const effectiveTiming = {
      event: ['2020-03-05', '2020-01-10'],
      repeat: { boundsPeriod: { start: '2020-02', end: '2020-06' } },
    };
    expect(extractSearchKeys({ resourceType: 'Observation', effectiveTiming })).toEqual({
      date__start: d('2020-01-10T00:00:00Z'),
      date__end: d('2020-07-01T00:00:00Z'),
      _dates: ['date'],
    });
  });

  it('stores an open start when any value has one', () => {
    const keys = extractSearchKeys({ resourceType: 'Condition', onsetPeriod: { end: '2019' } });
    expect(keys).toEqual({ 'onset-date__end': d('2020-01-01T00:00:00Z'), _dates: ['onset-date'] });
  });

  it('normalizes strings and HumanName parts', () => {
    const keys = extractSearchKeys({
      resourceType: 'Patient',
      name: [{ family: 'Smíth', given: ['Zoë', 'Ann'], prefix: ['Dr.'], text: 'Dr. Zoë Smíth' }],
    });
    expect(keys.name).toEqual(['smith', 'zoe', 'ann', 'dr.', 'dr. zoe smith']);
    expect(keys.family).toEqual(['smith']);
    expect(keys.given).toEqual(['zoe', 'ann']);
    expect(extractSearchKeys({ resourceType: 'Organization', name: 'Clinique Générale' }).name).toEqual([
      'clinique generale',
    ]);
  });

  it('ignores types without indexed parameters', () => {
    expect(extractSearchKeys({ resourceType: 'Binary', contentType: 'text/plain' })).toEqual({});
  });
});

describe('compartmentsOf', () => {
  it('finds every Patient referenced through a compartment parameter', () => {
    const observation = {
      resourceType: 'Observation',
      subject: { reference: 'Patient/p1' },
      performer: [{ reference: 'Practitioner/d1' }, { reference: 'Patient/p2' }, { reference: 'Patient/p1' }],
    };
    expect(compartmentsOf(observation)).toEqual(['Patient/p1', 'Patient/p2']);
  });

  it('puts a Patient in its own compartment and those of the patients it links to', () => {
    const patient = {
      resourceType: 'Patient',
      id: 'p1',
      link: [{ other: { reference: 'Patient/p9' }, type: 'seealso' }],
    };
    expect(compartmentsOf(patient)).toEqual(['Patient/p1', 'Patient/p9']);
  });

  it('is empty for a type outside the compartment', () => {
    expect(compartmentsOf({ resourceType: 'Practitioner', id: 'd1' })).toEqual([]);
  });
});
