import { viewColumns, ViewDefinitionError } from '../src';

const typesOf = (resource: string, paths: string[], select: object = {}) =>
  viewColumns({
    resource,
    select: [{ ...select, column: paths.map((path, i) => ({ name: `c${i}`, path })) }],
  }).map((c) => c.type);

describe('viewColumns', () => {
  it('lists columns in the spec order: a select, its nested selects, then its unionAll', () => {
    const columns = viewColumns({
      resource: 'Patient',
      select: [
        {
          column: [{ name: 'a', path: "'A'" }],
          unionAll: [{ column: [{ name: 'e', path: "'E1'" }] }, { column: [{ name: 'e', path: "'E2'" }] }],
          select: [{ forEach: 'name', column: [{ name: 'c', path: 'family' }] }],
        },
        { column: [{ name: 'g', path: "'G'", tag: [{ name: 'ansi/type', value: 'CHAR(1)' }] }] },
      ],
    });

    expect(columns).toEqual([
      { name: 'a', type: 'string', collection: false, tags: [] },
      { name: 'c', type: 'string', collection: false, tags: [] },
      { name: 'e', type: 'string', collection: false, tags: [] },
      { name: 'g', type: 'string', collection: false, tags: [{ name: 'ansi/type', value: 'CHAR(1)' }] },
    ]);
  });

  it('infers types from the model, ofType(), literals and functions', () => {
    expect(
      typesOf('Patient', [
        'active',
        'birthDate',
        'name.family.first()',
        'Patient.gender',
        'deceased.ofType(dateTime)',
        'name.exists()',
        'name.count()',
        '%rowIndex',
        'managingOrganization.getReferenceKey(Organization)',
        "extension('http://x').value.ofType(Coding).code",
        'contact',
        'contact.name.given',
        '1.5',
      ]),
    ).toEqual([
      'boolean',
      'date',
      'string',
      'code',
      'dateTime',
      'boolean',
      'integer',
      'integer',
      'string',
      'code',
      'Patient.contact',
      'string',
      'decimal',
    ]);
  });

  it('infers relative to forEach and repeat, following elements defined elsewhere', () => {
    expect(typesOf('Patient', ['family', '$this.use'], { forEach: 'name' })).toEqual(['string', 'code']);
    expect(
      typesOf('QuestionnaireResponse', ['linkId', 'answer.value.ofType(integer)'], { repeat: ['item', 'answer.item'] }),
    ).toEqual(['string', 'integer']);
  });

  it('prefers the declared type, written as a name or a StructureDefinition URL, and falls back to string', () => {
    const columns = viewColumns({
      resource: 'Observation',
      select: [
        {
          column: [
            { name: 'a', path: 'value', type: 'http://hl7.org/fhir/StructureDefinition/Quantity' },
            { name: 'b', path: 'id', type: 'id' },
            { name: 'c', path: 'value' },
            { name: 'd', path: 'component.code.coding.code', collection: true },
          ],
        },
      ],
    });

    expect(columns.map((c) => [c.type, c.collection])).toEqual([
      ['Quantity', false],
      ['id', false],
      ['string', false],
      ['code', true],
    ]);
  });

  it('throws ViewDefinitionError for an invalid view', () => {
    expect(() => viewColumns({ resource: 'Patient', select: [] })).toThrow(ViewDefinitionError);
  });
});
