import { OperationOutcomeError } from '@fhir-bulk/fhir';
import { toMongoFilter } from '../src';

const filterOf = (type: string, ...params: Array<[string, string]>) => toMongoFilter(type, params).filter;
const d = (iso: string) => new Date(iso);

describe('toMongoFilter', () => {
  it('selects everything without parameters', () => {
    expect(toMongoFilter('Patient', [])).toEqual({ filter: {}, ignored: [], control: {} });
  });

  it('translates _id on the document id', () => {
    expect(filterOf('Patient', ['_id', 'a'])).toEqual({ id: 'a' });
    expect(filterOf('Patient', ['_id', 'a,b'])).toEqual({ id: { $in: ['a', 'b'] } });
  });

  it('translates tokens to stored keys', () => {
    expect(filterOf('Observation', ['code', 'http://loinc.org|8867-4'])).toEqual({
      'search.code': 'http://loinc.org|8867-4',
    });
    expect(filterOf('Observation', ['code', '8867-4,|x,urn:s|'])).toEqual({
      'search.code': { $in: ['8867-4', '|x', 'urn:s|'] },
    });
    expect(filterOf('Observation', ['code:not', 'a,b'])).toEqual({ 'search.code': { $nin: ['a', 'b'] } });
    // Escaped separators are part of the value.
    expect(filterOf('Patient', ['identifier', 'urn:s|a\\|b\\,c'])).toEqual({ 'search.identifier': 'urn:s|a|b,c' });
  });

  it('ANDs repeated parameters', () => {
    expect(filterOf('Observation', ['status', 'final'], ['status', 'amended'])).toEqual({
      $and: [{ 'search.status': 'final' }, { 'search.status': 'amended' }],
    });
  });

  it('translates references, matching a bare id of any type with an anchored, escaped regex', () => {
    expect(filterOf('Observation', ['subject', 'Patient/p1'])).toEqual({ 'search.subject': 'Patient/p1' });
    expect(filterOf('Observation', ['subject', 'a.1'])).toEqual({
      'search.subject': { $regex: '^[A-Za-z]+/(?:a\\.1)$' },
    });
    expect(filterOf('Observation', ['subject:Device', 'd1'])).toEqual({ 'search.subject': 'Device/d1' });
    // `patient` holds only Patients, so a bare id is exact (and indexable).
    expect(filterOf('Observation', ['patient', 'p1,p2'])).toEqual({
      'search.patient': { $in: ['Patient/p1', 'Patient/p2'] },
    });
    expect(filterOf('Observation', ['subject', 'Patient/p1,p2'])).toEqual({
      $or: [{ 'search.subject': 'Patient/p1' }, { 'search.subject': { $regex: '^[A-Za-z]+/(?:p2)$' } }],
    });
  });

  it('translates strings as normalized prefix, contains or exact matches, escaping the input', () => {
    expect(filterOf('Patient', ['name', 'Smí'])).toEqual({ 'search.name': { $regex: '^(?:smi)' } });
    expect(filterOf('Patient', ['name', 'a.b*,c'])).toEqual({ 'search.name': { $regex: '^(?:a\\.b\\*|c)' } });
    expect(filterOf('Patient', ['family:contains', 'mit'])).toEqual({ 'search.family': { $regex: '(?:mit)' } });
    expect(filterOf('Patient', ['family:exact', 'Smith'])).toEqual({ 'search.family': 'smith' });
  });

  it('translates dates to range conditions over __start/__end, absent ends being open', () => {
    const present = { 'search._dates': 'birthdate' };
    expect(filterOf('Patient', ['birthdate', '2020-01'])).toEqual({
      $and: [
        present,
        {
          $and: [
            { 'search.birthdate__start': { $gte: d('2020-01-01') } },
            { 'search.birthdate__end': { $lte: d('2020-02-01') } },
          ],
        },
      ],
    });
    expect(filterOf('Patient', ['birthdate', 'ge2020'])).toEqual({
      $and: [
        present,
        {
          $or: [{ 'search.birthdate__end': { $gt: d('2020-01-01') } }, { 'search.birthdate__end': { $exists: false } }],
        },
      ],
    });
  });

  it('translates _lastUpdated on the document instant', () => {
    expect(filterOf('Patient', ['_lastUpdated', 'gt2025-01-01'])).toEqual({ lastUpdated: { $gte: d('2025-01-02') } });
    expect(filterOf('Patient', ['_lastUpdated', 'lt2025-01-01T10:00:00Z'])).toEqual({
      lastUpdated: { $lt: d('2025-01-01T10:00:00Z') },
    });
  });

  it('translates :missing', () => {
    expect(filterOf('Patient', ['gender:missing', 'true'])).toEqual({ 'search.gender': { $exists: false } });
    expect(filterOf('Patient', ['birthdate:missing', 'false'])).toEqual({ 'search._dates': 'birthdate' });
    expect(filterOf('Patient', ['birthdate:missing', 'true'])).toEqual({ 'search._dates': { $ne: 'birthdate' } });
  });

  it('returns result parameters to the caller and ignores empty values', () => {
    const result = toMongoFilter('Patient', [
      ['_count', '10'],
      ['_include', 'Patient:organization'],
      ['_include:iterate', 'Patient:link'],
      ['_sort', '-birthdate'],
      ['gender', ''],
    ]);
    expect(result).toEqual({
      filter: {},
      ignored: [],
      control: {
        _count: ['10'],
        _include: ['Patient:organization'],
        '_include:iterate': ['Patient:link'],
        _sort: ['-birthdate'],
      },
    });
  });

  it('lists unknown parameters in lenient mode', () => {
    const result = toMongoFilter(
      'Patient',
      [
        ['_tag', 'x'],
        ['gender', 'male'],
        ['date', '2020'],
      ],
      { lenient: true },
    );
    expect(result).toEqual({ filter: { 'search.gender': 'male' }, ignored: ['_tag', 'date'], control: {} });
  });

  it.each([
    ['Patient', 'foo', 'bar', 'Unknown search parameter "foo" for Patient'],
    ['Patient', 'date', 'ge2020', 'Unknown search parameter "date" for Patient'],
    ['Patient', '_id', 'not an id', '_id: "not an id" is not a FHIR id'],
    ['Patient', '_id:not', 'a', 'Unsupported modifier ":not" on _id parameter "_id"'],
    ['Patient', 'birthdate', '1980-02-30', 'birthdate: "1980-02-30" is not a FHIR date, dateTime or instant'],
    ['Patient', 'birthdate', 'zz1980', 'birthdate: unknown date prefix "zz"'],
    ['Patient', 'gender:text', 'x', 'Unsupported modifier ":text" on token parameter "gender"'],
    ['Patient', 'gender:missing', 'maybe', 'gender:missing: expected true or false'],
    ['Patient', 'identifier', '|', 'identifier: "|" names neither a system nor a code'],
    ['Patient', 'name:below', 'x', 'Unsupported modifier ":below" on string parameter "name"'],
    ['Observation', 'subject:identifier', 'x', 'Unsupported modifier ":identifier" on reference parameter "subject"'],
    ['Observation', 'patient:Group', 'g1', 'patient:Group: Group is not a target'],
    ['Observation', 'subject:Patient', 'Group/g1', 'subject:Patient: "Group/g1" is not a Patient'],
    ['Observation', 'subject', '#contained', 'subject: "#contained" is not a FHIR id'],
  ])('%s?%s=%s fails with 400', (type, name, value, message) => {
    const run = () => toMongoFilter(type, [[name, value]]);
    expect(run).toThrow(OperationOutcomeError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (error) {
      expect((error as OperationOutcomeError).status).toBe(400);
      expect((error as OperationOutcomeError).outcome.issue[0]?.expression).toEqual([name]);
    }
  });
});
