import { compileView, validateView, ViewDefinitionError } from '../src';

const column = (name: string, path: string) => ({ name, path });

describe('validateView', () => {
  it('finds nothing wrong with a valid view', () => {
    expect(
      validateView({
        resourceType: 'ViewDefinition',
        name: 'patient_names',
        status: 'active',
        resource: 'Patient',
        constant: [{ name: 'use', valueCode: 'official' }],
        select: [
          { column: [column('id', 'getResourceKey()')] },
          { forEach: 'name.where(use = %use)', column: [column('family', 'family')] },
        ],
        where: [{ path: 'active' }],
      }),
    ).toEqual([]);
  });

  it('refuses elements a ViewDefinition does not have, __proto__ included', () => {
    const view = JSON.parse(
      '{"resourceType":"ViewDefinition","resource":"Patient","select":[{"column":[{"name":"id","path":"id"}]}],' +
        '"foo":1,"__proto__":{"x":1}}',
    ) as unknown;
    expect(validateView(view)).toEqual([
      { path: 'ViewDefinition.foo', message: expect.stringContaining('is not an element here') as string },
      { path: 'ViewDefinition.__proto__', message: expect.stringContaining('is not an element here') as string },
    ]);
  });

  it('lists every structural problem with where it is', () => {
    const problems = validateView({
      resource: 'Patiant',
      constant: [{ name: 'when', valueDate: 'yesterday' }, { name: 'x' }],
      select: [
        {
          column: [
            { name: '1st', path: 'id' },
            { name: 'family' },
            { name: 'given', path: 'name.given', colection: true },
          ],
          forEach: 'name',
          repeat: ['item'],
        },
        { unionAll: 'no' },
      ],
      where: [{ path: 42 }],
    });

    expect(problems).toEqual([
      { path: 'ViewDefinition.resource', message: 'Patiant is not a R4 resource type' },
      { path: 'ViewDefinition.constant[0]', message: 'valueDate "yesterday" is not a valid date' },
      { path: 'ViewDefinition.constant[1]', message: 'a constant needs exactly one value[x]' },
      { path: 'ViewDefinition.select[0].column[0].name', message: expect.stringContaining('"1st"') },
      { path: 'ViewDefinition.select[0].column[1].path', message: 'must be a FHIRPath expression' },
      { path: 'ViewDefinition.select[0].column[2].colection', message: expect.stringContaining('is not an element') },
      { path: 'ViewDefinition.select[0]', message: 'may have only one of forEach, forEachOrNull and repeat' },
      { path: 'ViewDefinition.select[1].unionAll', message: 'must be a list' },
      { path: 'ViewDefinition.where[0].path', message: 'must be a FHIRPath expression' },
    ]);
  });

  it('reports a view that is not an object, or has no resource or select', () => {
    expect(validateView('Patient')).toEqual([{ path: 'ViewDefinition', message: 'must be a JSON object' }]);
    expect(validateView({ select: [] }).map((p) => p.path)).toEqual([
      'ViewDefinition.resource',
      'ViewDefinition.select',
    ]);
  });

  it('reports FHIRPath that does not parse, constants that are not defined and types that do not exist', () => {
    const problems = validateView({
      resource: 'Patient',
      constant: [{ name: 'system', valueUri: 'http://loinc.org' }],
      select: [
        { forEach: 'name.where(', column: [column('family', 'family = %sytem')] },
        {
          column: [
            column(
              'known',
              'deceased.ofType(boolean) | deceased is FHIR.dateTime | link.other.getReferenceKey(Patient)',
            ),
            column('unknown', 'deceased.ofType(bool) | deceased is DateTime2 | link.other.getReferenceKey(Patinet)'),
          ],
        },
      ],
    });

    expect(problems).toEqual([
      {
        path: 'ViewDefinition.select[0].forEach',
        message: expect.stringMatching(/^"name.where\(" is not valid FHIRPath/),
      },
      {
        path: 'ViewDefinition.select[0].column[0].path',
        message: '"family = %sytem" uses %sytem, which is not a constant of this view',
      },
      ...['bool', 'DateTime2', 'Patinet'].map((type) => ({
        path: 'ViewDefinition.select[1].column[1].path',
        message: expect.stringContaining(`names ${type}, which is not a type`),
      })),
    ]);
  });

  it('reports duplicate column names, unionAll branches that differ, and a where path that cannot be boolean', () => {
    const problems = validateView({
      resource: 'Patient',
      select: [
        { column: [column('id', 'id')] },
        { forEach: 'name', column: [column('id', 'family')] },
        {
          unionAll: [
            { column: [{ ...column('a', 'id'), type: 'id' }, column('b', 'id')] },
            { column: [{ ...column('a', 'id'), type: 'string' }, column('b', 'id')] },
            { column: [column('b', 'id'), column('a', 'id')] },
          ],
        },
      ],
      where: [{ path: 'name.family' }],
    });

    expect(problems).toEqual([
      { path: 'ViewDefinition.select[1].column[0]', message: 'column id is already defined' },
      { path: 'ViewDefinition.select[2].unionAll[1].column[0]', message: 'column a is id in unionAll[0]' },
      {
        path: 'ViewDefinition.select[2].unionAll[2]',
        message: 'unionAll branches must have the same columns in the same order: [b,a] differs from [a,b]',
      },
      {
        path: 'ViewDefinition.where[0].path',
        message: '"name.family" yields string, but a where path must yield a boolean',
      },
    ]);
  });

  it('picks the FHIR model from fhirVersion and rejects versions it has no model for', () => {
    const view = { resource: 'Transport', select: [{ column: [column('id', 'id')] }] };

    expect(validateView({ ...view, fhirVersion: ['5.0.0'] })).toEqual([]);
    expect(validateView({ ...view, fhirVersion: ['4.0.1'] })).toEqual([
      { path: 'ViewDefinition.resource', message: 'Transport is not a R4 resource type' },
    ]);
    expect(validateView({ ...view, fhirVersion: ['3.0.2'] })).toEqual([
      { path: 'ViewDefinition.fhirVersion', message: 'names no FHIR version this runner supports (4.x or 5.x)' },
    ]);
  });

  it('is what compileView throws on', () => {
    const view = { resource: 'Patient', select: [{ column: [column('bad name', 'id')] }] };

    expect(() => compileView(view)).toThrow(ViewDefinitionError);
    expect(() => compileView(view)).toThrow(expect.objectContaining({ problems: validateView(view) }));
  });
});
