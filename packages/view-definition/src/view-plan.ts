import * as fhirpath from 'fhirpath';
import { externalConstants, inferType, type PathNode, type PathScope, unknownTypes } from './path-types';
import { type ViewProblem } from './view-errors';
import { type ViewColumnTag, type ViewDefinition, type ViewSelect } from './view-definition';

export interface PlannedColumn {
  name: string;
  path: string;
  /** Declared, else inferred from the path, else `string` (what the spec suggests for unknown types). */
  type: string;
  collection: boolean;
  tags: ViewColumnTag[];
  /** Position in the output row. */
  slot: number;
  location: string;
}

export interface PlannedSelect {
  location: string;
  /** forEach and forEachOrNull have one path, repeat one or more. */
  iteration?: { kind: 'forEach' | 'forEachOrNull' | 'repeat'; paths: Array<{ path: string; location: string }> };
  columns: PlannedColumn[];
  selects: PlannedSelect[];
  unionAll: PlannedSelect[];
  /** Every slot this select's rows fill: its own columns, its nested selects' and its unionAll's. */
  slots: number[];
  /** Slots of `%rowIndex` columns below this select, which are 0 (not null) in a forEachOrNull's empty row. */
  rowIndexSlots: number[];
}

/** A checked view laid out for evaluation: output columns in the spec's order, each with its row slot. */
export interface ViewPlan {
  resourceType: string;
  /** The view's own select list as one select over the resource. */
  root: PlannedSelect;
  columns: PlannedColumn[];
  where: Array<{ path: string; location: string }>;
}

/** SQL on FHIR's `%rowIndex` and the variables fhirpath.js itself provides. */
const BUILT_IN_VARIABLES = new Set(['rowIndex', 'ucum', 'context', 'factory']);

/** Gives a column its slot: a new one, or in a later unionAll branch the first branch's. */
type Allocate = (column: PlannedColumn, declared: boolean) => void;

/**
 * Lays out a structurally valid view (see `validateView`) and finds what only the layout shows: duplicate column
 * names, unionAll branches whose columns differ, paths that do not parse, unknown `%constants`, and where paths
 * that cannot be boolean.
 */
export function planView(view: ViewDefinition, scope: PathScope): { plan: ViewPlan; problems: ViewProblem[] } {
  const problems: ViewProblem[] = [];
  const columns: PlannedColumn[] = [];
  const parse = (path: string, location: string): PathNode | undefined => {
    let ast: PathNode;
    try {
      ast = fhirpath.parse(path);
    } catch (e) {
      const reason = e instanceof Error ? e.message.split('\n').join('; ') : String(e);
      problems.push({ path: location, message: `"${path}" is not valid FHIRPath: ${reason}` });
      return undefined;
    }
    for (const name of externalConstants(ast)) {
      if (!BUILT_IN_VARIABLES.has(name) && !scope.constants.has(name)) {
        problems.push({ path: location, message: `"${path}" uses %${name}, which is not a constant of this view` });
      }
    }
    for (const type of unknownTypes(ast, scope.model)) {
      problems.push({ path: location, message: `"${path}" names ${type}, which is not a type` });
    }
    return ast;
  };
  const allocate: Allocate = (column) => {
    if (columns.some((c) => c.name === column.name)) {
      problems.push({ path: column.location, message: `column ${column.name} is already defined` });
    }
    column.slot = columns.push(column) - 1;
  };

  function planSelect(select: ViewSelect, at: string, focus: string | undefined, alloc: Allocate): PlannedSelect {
    const iteration = iterationOf(select, at);
    let inner = focus;
    iteration?.paths.forEach(({ path, location }, i) => {
      const ast = parse(path, location);
      if (i === 0) inner = ast && inferType(ast, focus, scope);
    });
    const planned: PlannedSelect = {
      location: at,
      iteration,
      columns: (select.column ?? []).map((column, i) => {
        const location = `${at}.column[${i}]`;
        const ast = parse(column.path, `${location}.path`);
        const declared = normalType(column.type);
        const type = declared ?? (ast && inferType(ast, inner, scope)) ?? 'string';
        const { name, path, collection = false, tag: tags = [] } = column;
        const slotted: PlannedColumn = { name, path, type, collection, tags, slot: -1, location };
        alloc(slotted, declared !== undefined);
        return slotted;
      }),
      selects: (select.select ?? []).map((s, i) => planSelect(s, `${at}.select[${i}]`, inner, alloc)),
      unionAll: [],
      slots: [],
      rowIndexSlots: [],
    };
    planned.unionAll = planUnion(select.unionAll ?? [], at, inner, alloc);
    const children = [...planned.selects, ...planned.unionAll.slice(0, 1)];
    planned.slots = [...planned.columns.map((c) => c.slot), ...children.flatMap((s) => s.slots)];
    planned.rowIndexSlots = [
      ...planned.columns.filter((c) => c.path.trim() === '%rowIndex').map((c) => c.slot),
      ...children.flatMap((s) => s.rowIndexSlots),
    ];
    return planned;
  }

  /** The first branch lays out the columns; the others must repeat its names in order and fill the same slots. */
  function planUnion(branches: ViewSelect[], location: string, focus: string | undefined, alloc: Allocate) {
    const [first, ...rest] = branches;
    if (!first) return [];
    const expected: Array<{ column: PlannedColumn; declared: boolean }> = [];
    const record: Allocate = (column, declared) => {
      alloc(column, declared);
      expected.push({ column, declared });
    };
    const planned = [planSelect(first, `${location}.unionAll[0]`, focus, record)];
    rest.forEach((branch, i) => {
      const names: string[] = [];
      const reuse: Allocate = (column, declared) => {
        const same = expected[names.length];
        names.push(column.name);
        if (same?.column.name === column.name && same.declared && declared && same.column.type !== column.type) {
          problems.push({
            path: column.location,
            message: `column ${column.name} is ${same.column.type} in unionAll[0]`,
          });
        }
        column.slot = same?.column.slot ?? -1;
      };
      planned.push(planSelect(branch, `${location}.unionAll[${i + 1}]`, focus, reuse));
      const want = expected.map((e) => e.column.name);
      if (names.join() !== want.join()) {
        problems.push({
          path: `${location}.unionAll[${i + 1}]`,
          message: `unionAll branches must have the same columns in the same order: [${names}] differs from [${want}]`,
        });
      }
    });
    return planned;
  }

  const root = planSelect({ select: view.select }, 'ViewDefinition', view.resource, allocate);
  const where = (view.where ?? []).map((w, i) => {
    const location = `ViewDefinition.where[${i}].path`;
    const ast = parse(w.path, location);
    const type = ast && inferType(ast, view.resource, scope);
    if (type && type !== 'boolean') {
      problems.push({ path: location, message: `"${w.path}" yields ${type}, but a where path must yield a boolean` });
    }
    return { path: w.path, location };
  });
  return { plan: { resourceType: view.resource, root, columns, where }, problems };
}

function iterationOf(select: ViewSelect, at: string): PlannedSelect['iteration'] {
  if (select.forEach !== undefined) {
    return { kind: 'forEach', paths: [{ path: select.forEach, location: `${at}.forEach` }] };
  }
  if (select.forEachOrNull !== undefined) {
    return { kind: 'forEachOrNull', paths: [{ path: select.forEachOrNull, location: `${at}.forEachOrNull` }] };
  }
  if (select.repeat !== undefined) {
    return { kind: 'repeat', paths: select.repeat.map((path, i) => ({ path, location: `${at}.repeat[${i}]` })) };
  }
  return undefined;
}

/** Column types may be written as StructureDefinition URLs; the relative form is the type's name. */
const normalType = (type: string | undefined) => type?.replace(/^http:\/\/hl7\.org\/fhir\/StructureDefinition\//, '');
