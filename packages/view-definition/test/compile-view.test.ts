import { compileView, ViewDefinitionError, ViewEvaluationError } from '../src';

const patient = (id: string, extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', id, ...extra });

describe('compileView', () => {
  it('writes decimals as numbers, dates and quantities in their FHIR string form, booleans as booleans', () => {
    const evaluator = compileView({
      resource: 'Observation',
      select: [
        {
          column: [
            { name: 'value', path: 'value.ofType(Quantity).value' },
            { name: 'half', path: 'value.ofType(Quantity).value / 2' },
            { name: 'issued', path: 'issued' },
            { name: 'effective', path: 'effective.ofType(dateTime)' },
            { name: 'literal_date', path: '@2020-02-01' },
            { name: 'quantity', path: "3 'mg'" },
            { name: 'has_value', path: 'value.exists()' },
            { name: 'missing', path: 'status.where(false)' },
          ],
        },
      ],
    });

    const [row] = evaluator.rows({
      resourceType: 'Observation',
      id: 'o1',
      status: 'final',
      valueQuantity: { value: 1.25, unit: 'mg' },
      issued: '2020-01-01T10:00:00.000Z',
      effectiveDateTime: '2019-12',
    });

    expect(row).toEqual({
      value: 1.25,
      half: 0.625,
      issued: '2020-01-01T10:00:00.000Z',
      effective: '2019-12',
      literal_date: '2020-02-01',
      quantity: "3 'mg'",
      has_value: true,
      missing: null,
    });
  });

  it('gives collection columns as lists, empty when nothing matches, and complex elements as JSON', () => {
    const evaluator = compileView({
      resource: 'Patient',
      select: [
        {
          column: [
            { name: 'given', path: 'name.given', collection: true },
            { name: 'official', path: "name.where(use = 'official')", type: 'HumanName' },
          ],
        },
      ],
    });
    const name = { use: 'official', family: 'F', given: ['A', 'B'] };

    expect(evaluator.rows(patient('p1', { name: [name] }))).toEqual([{ given: ['A', 'B'], official: name }]);
    expect(evaluator.rows(patient('p2'))).toEqual([{ given: [], official: null }]);
  });

  it('leaves out elements that have only extensions, not a value', () => {
    const evaluator = compileView({
      resource: 'Patient',
      select: [{ column: [{ name: 'birth_date', path: 'birthDate' }] }],
    });
    const unknownBirthDate = { _birthDate: { extension: [{ url: 'http://x/absent', valueCode: 'unknown' }] } };

    expect(evaluator.rows(patient('p1', unknownBirthDate))).toEqual([{ birth_date: null }]);
  });

  it('returns tuples in column order and no rows for other resource types', () => {
    const evaluator = compileView({
      resource: 'Patient',
      select: [
        {
          column: [
            { name: 'gender', path: 'gender' },
            { name: 'id', path: 'id' },
          ],
        },
      ],
    });

    expect(evaluator.columns.map((c) => c.name)).toEqual(['gender', 'id']);
    expect(evaluator.tuples(patient('p1', { gender: 'male' }))).toEqual([['male', 'p1']]);
    expect(evaluator.rows({ resourceType: 'Observation', id: 'o1' })).toEqual([]);
  });

  it('does not modify the resources it reads', () => {
    const evaluator = compileView({
      resource: 'Patient',
      select: [{ forEach: 'name', column: [{ name: 'given', path: 'given', collection: true }] }],
    });
    const name = { given: ['A'] };
    const resource = patient('p1', { name: [name], birthDate: '2000-01-01' });
    const before = JSON.stringify(resource);

    evaluator.rows(resource);

    expect(JSON.stringify(resource)).toBe(before);
    expect(Object.getOwnPropertyNames(name)).toEqual(['given']);
  });

  it('fills a forEachOrNull row with nulls when there is nothing to unnest, %rowIndex with 0', () => {
    const evaluator = compileView({
      resource: 'Patient',
      select: [
        { column: [{ name: 'id', path: 'id' }] },
        {
          forEachOrNull: 'address',
          column: [
            { name: 'n', path: '%rowIndex' },
            { name: 'city', path: 'city' },
            { name: 'fixed', path: "'x'" },
          ],
        },
      ],
    });

    expect(evaluator.rows(patient('p1', { address: [{ city: 'A' }, { city: 'B' }] }))).toEqual([
      { id: 'p1', n: 0, city: 'A', fixed: 'x' },
      { id: 'p1', n: 1, city: 'B', fixed: 'x' },
    ]);
    expect(evaluator.rows(patient('p2'))).toEqual([{ id: 'p2', n: 0, city: null, fixed: null }]);
  });

  it('keys resources by id and relative references by their id, checking the type when given', () => {
    const evaluator = compileView({
      resource: 'Observation',
      select: [
        { column: [{ name: 'id', path: 'getResourceKey()' }] },
        {
          forEach: 'performer',
          column: [
            { name: 'owner', path: 'getResourceKey()' },
            { name: 'any', path: 'getReferenceKey()' },
            { name: 'practitioner', path: 'getReferenceKey(Practitioner)' },
          ],
        },
      ],
    });
    const observation = {
      resourceType: 'Observation',
      id: 'o1',
      performer: [
        { reference: 'Practitioner/pr1' },
        { reference: 'Organization/org1/_history/2' },
        { reference: 'http://elsewhere.example/fhir/Practitioner/pr2' },
        { reference: '#contained' },
      ],
    };

    expect(evaluator.rows(observation)).toEqual([
      { id: 'o1', owner: 'o1', any: 'pr1', practitioner: 'pr1' },
      { id: 'o1', owner: 'o1', any: 'org1', practitioner: null },
      { id: 'o1', owner: 'o1', any: null, practitioner: null },
      { id: 'o1', owner: 'o1', any: null, practitioner: null },
    ]);
  });

  it('throws ViewEvaluationError naming the resource and the column that had several values', () => {
    const evaluator = compileView({
      resource: 'Patient',
      select: [{ column: [{ name: 'family', path: 'name.family' }] }],
    });

    expect(() => evaluator.rows(patient('p1', { name: [{ family: 'A' }, { family: 'B' }] }))).toThrow(
      expect.objectContaining({
        name: 'ViewEvaluationError',
        resource: 'Patient/p1',
        path: 'ViewDefinition.select[0].column[0]',
      }),
    );
  });

  it('rejects a where path that yields something other than a boolean', () => {
    const evaluator = compileView({
      resource: 'Patient',
      select: [{ column: [{ name: 'id', path: 'id' }] }],
      where: [{ path: 'iif(active, gender, true)' }],
    });

    expect(evaluator.rows(patient('p1', { active: false }))).toHaveLength(1);
    expect(() => evaluator.rows(patient('p2', { active: true, gender: 'male' }))).toThrow(ViewEvaluationError);
  });

  it('stops a repeat whose path never ends', () => {
    const evaluator = compileView({
      resource: 'Patient',
      select: [{ repeat: ['$this'], column: [{ name: 'id', path: 'id' }] }],
    });

    expect(() => evaluator.rows(patient('p1'))).toThrow(/repeat went 100 levels deep/);
  });

  it('uses the R5 model when the view is for FHIR 5', () => {
    const view = {
      resource: 'Transport',
      fhirVersion: ['5.0.0'],
      select: [{ column: [{ name: 'id', path: 'id' }] }],
    };

    expect(compileView(view).rows({ resourceType: 'Transport', id: 't1' })).toEqual([{ id: 't1' }]);
    expect(() => compileView(view, { fhirRelease: 'R4' })).toThrow(ViewDefinitionError);
  });

  it('compares temporal and other typed constants as FHIR values', () => {
    const evaluator = compileView({
      resource: 'Patient',
      constant: [
        { name: 'born', valueDate: '1980-05-06' },
        { name: 'sex', valueCode: 'female' },
      ],
      select: [{ column: [{ name: 'id', path: 'id' }] }],
      where: [{ path: 'birthDate = %born and gender = %sex' }],
    });

    expect(evaluator.rows(patient('p1', { birthDate: '1980-05-06', gender: 'female' }))).toHaveLength(1);
    expect(evaluator.rows(patient('p2', { birthDate: '1980-05-07', gender: 'female' }))).toHaveLength(0);
  });
});
