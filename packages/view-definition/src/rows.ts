import { type ColumnScalar, type ColumnValue, type RowValues, toColumnScalar } from './column-values';
import { ViewBudgetError } from './view-errors';

/** A FHIRPath expression compiled once, evaluated on a focus with the view's constants and this `%rowIndex`. */
export type Evaluate = (focus: unknown, rowIndex: number) => unknown[];

export interface CompiledColumn {
  name: string;
  slot: number;
  collection: boolean;
  location: string;
  evaluate: Evaluate;
}

export interface CompiledSelect {
  /** The items a forEach, forEachOrNull or repeat unnests; absent when the select works on its input. */
  iterate?: Evaluate;
  orNull: boolean;
  columns: CompiledColumn[];
  selects: CompiledSelect[];
  unionAll: CompiledSelect[];
  slots: number[];
  rowIndexSlots: number[];
  location: string;
  /**
   * Rows (and repeat items) one resource may expand to. Checked while the rows are made, not after: a `repeat`
   * listing one path twice doubles per level, so a small resource could otherwise fill the heap before any check.
   */
  maxRows: number;
}

/** An evaluation failure at a place in the view; the evaluator adds which resource it was. */
export class PathFailure extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/**
 * The spec's `Process(S, N)`: rows of `select` on `focus`. Each unnested item gets its own `%rowIndex`; a select
 * that does not unnest keeps the one it was given.
 */
export function selectRows(select: CompiledSelect, focus: unknown, rowIndex: number, width: number): RowValues[] {
  if (!select.iterate) return focusRows(select, focus, rowIndex, width);
  const items = select.iterate(focus, rowIndex);
  if (items.length === 0 && select.orNull) {
    const row = emptyRow(width);
    for (const slot of select.rowIndexSlots) row[slot] = 0;
    return [row];
  }
  const rows: RowValues[] = [];
  items.forEach((item, i) => {
    for (const row of focusRows(select, item, i, width)) rows.push(row);
    checkRows(rows.length, select);
  });
  return rows;
}

/** Columns, then nested selects, then the unionAll, cross-joined in that order (the spec's column order). */
function focusRows(select: CompiledSelect, focus: unknown, rowIndex: number, width: number): RowValues[] {
  const row = emptyRow(width);
  for (const column of select.columns) row[column.slot] = columnValue(column, focus, rowIndex);
  let rows = [row];
  for (const child of select.selects) {
    rows = crossJoin(rows, selectRows(child, focus, rowIndex, width), child.slots, select);
    if (rows.length === 0) return rows;
  }
  const [first] = select.unionAll;
  if (first) {
    const union: RowValues[] = [];
    for (const branch of select.unionAll) {
      for (const r of selectRows(branch, focus, rowIndex, width)) union.push(r);
      checkRows(union.length, select);
    }
    rows = crossJoin(rows, union, first.slots, select);
  }
  return rows;
}

/** Every left row with every right row's `slots` copied in; rows are fresh per call, so one right row is copied in place. */
function crossJoin(left: RowValues[], right: RowValues[], slots: number[], at: CompiledSelect): RowValues[] {
  if (right.length === 1) {
    const [only] = right as [RowValues];
    for (const row of left) for (const slot of slots) row[slot] = only[slot] ?? null;
    return left;
  }
  checkRows(left.length * right.length, at);
  const rows: RowValues[] = [];
  for (const l of left) {
    for (const r of right) {
      const row = l.slice();
      for (const slot of slots) row[slot] = r[slot] ?? null;
      rows.push(row);
    }
  }
  return rows;
}

function columnValue(column: CompiledColumn, focus: unknown, rowIndex: number): ColumnValue {
  const items = column.evaluate(focus, rowIndex);
  const values: ColumnScalar[] = [];
  for (const item of items) {
    const value = toColumnScalar(item);
    if (value !== undefined) values.push(value);
  }
  if (column.collection) return values;
  if (values.length > 1) {
    throw new PathFailure(
      `column ${column.name} has ${values.length} values; set collection: true to keep them all`,
      column.location,
    );
  }
  return values[0] ?? null;
}

const emptyRow = (width: number): RowValues => new Array<ColumnValue>(width).fill(null);

/**
 * The spec's repeat: the items each path reaches from the focus and, depth first, from every item found. A path
 * that leads back up (e.g. `$this`) would never end, hence the depth limit.
 */
export function repeatItems(paths: Evaluate[], location: string, maxRows: number): Evaluate {
  return (focus, rowIndex) => {
    const found: unknown[] = [];
    const visit = (node: unknown, depth: number) => {
      if (depth > MAX_REPEAT_DEPTH) {
        throw new PathFailure(`repeat went ${MAX_REPEAT_DEPTH} levels deep; does a path lead back up?`, location);
      }
      for (const path of paths) {
        for (const child of path(node, rowIndex)) {
          found.push(child);
          checkRows(found.length, { location, maxRows });
          visit(child, depth + 1);
        }
      }
    };
    visit(focus, 0);
    return found;
  };
}

const MAX_REPEAT_DEPTH = 100;

function checkRows(count: number, { location, maxRows }: Pick<CompiledSelect, 'location' | 'maxRows'>): void {
  if (count <= maxRows) return;
  throw new ViewBudgetError(`expands to more than ${maxRows} rows at ${location}, more than one resource may make`);
}
