import * as fhirpath from 'fhirpath';
import { compileView } from '../src';

// A pass-through mock, only to count how often FHIRPath is compiled.
jest.mock('fhirpath', () => {
  const actual = jest.requireActual<typeof fhirpath>('fhirpath');
  return { ...actual, compile: jest.fn(actual.compile) };
});

it('compiles each FHIRPath expression of a view once, however many resources it then reads', () => {
  const compile = jest.mocked(fhirpath.compile);
  const evaluator = compileView({
    resource: 'Patient',
    select: [
      { column: [{ name: 'id', path: 'id' }] },
      { forEach: 'name', column: [{ name: 'family', path: 'family' }] },
    ],
    where: [{ path: 'active' }],
  });
  expect(compile).toHaveBeenCalledTimes(4);
  compile.mockClear();

  const rows = Array.from({ length: 1000 }, (_, i) =>
    evaluator.rows({ resourceType: 'Patient', id: `p${i}`, active: true, name: [{ family: `F${i}` }] }),
  ).flat();

  expect(compile).not.toHaveBeenCalled();
  expect(rows).toHaveLength(1000);
  expect(rows[999]).toEqual({ id: 'p999', family: 'F999' });
});
