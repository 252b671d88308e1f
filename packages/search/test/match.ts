/**
 * A tiny in-memory MongoDB matcher implementing exactly the operator subset the search filters may use (what
 * FerretDB v1 and MongoDB 7 both support): equality with array-contains, $in, $nin, $ne, $gt/$gte/$lt/$lte on
 * scalars, $regex (+$options), $and, $or, $exists, $not. Anything else throws, so tests also prove that the
 * translated filters stay inside the subset.
 */
type Filter = Record<string, unknown>;

export function matches(doc: Record<string, unknown>, filter: Filter): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === '$and') return clauses(condition).every((f) => matches(doc, f));
    if (key === '$or') return clauses(condition).some((f) => matches(doc, f));
    if (key.startsWith('$')) throw new Error(`unsupported top-level operator ${key}`);
    return matchField(lookup(doc, key), condition);
  });
}

function clauses(value: unknown): Filter[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error('$and/$or need a non-empty array');
  return value as Filter[];
}

/** A dotted path through nested objects; the filters never need Mongo's traversal of arrays of objects. */
function lookup(doc: Record<string, unknown>, path: string): unknown {
  let value: unknown = doc;
  for (const segment of path.split('.')) {
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value) || typeof value !== 'object') throw new Error(`path ${path} crosses a non-object`);
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

const isOperatorObject = (value: unknown): value is Filter =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  !(value instanceof Date) &&
  Object.keys(value).every((k) => k.startsWith('$'));

function matchField(value: unknown, condition: unknown): boolean {
  if (!isOperatorObject(condition)) return equals(value, condition);
  return Object.entries(condition).every(([op, arg]) => {
    switch (op) {
      case '$in':
        return (arg as unknown[]).some((a) => equals(value, a));
      case '$nin':
        return !(arg as unknown[]).some((a) => equals(value, a));
      case '$ne':
        return !equals(value, arg);
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        return compare(value, op, arg);
      case '$regex': {
        const regex = new RegExp(arg as string, (condition.$options as string | undefined) ?? '');
        return (Array.isArray(value) ? value : [value]).some((v) => typeof v === 'string' && regex.test(v));
      }
      case '$options':
        return true; // read with $regex
      case '$exists':
        return (value !== undefined) === arg;
      case '$not':
        return !matchField(value, arg);
      default:
        throw new Error(`unsupported operator ${op}`);
    }
  });
}

/** Equality; on an array field, true when any element is equal (array-contains). */
function equals(value: unknown, query: unknown): boolean {
  if (typeof query === 'object' && query !== null && !(query instanceof Date)) {
    throw new Error('equality on documents or arrays is outside the subset');
  }
  return (Array.isArray(value) ? value : [value]).some((v) => same(v, query));
}

function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return a !== undefined && a === b;
}

function compare(value: unknown, op: string, arg: unknown): boolean {
  if (Array.isArray(value)) throw new Error(`${op} on an array field is outside the subset`);
  // Like Mongo's type bracketing: only values of the same type compare.
  const pair =
    value instanceof Date && arg instanceof Date
      ? [value.getTime(), arg.getTime()]
      : typeof value === typeof arg && (typeof value === 'string' || typeof value === 'number')
        ? [value, arg as typeof value]
        : undefined;
  if (!pair) return false;
  const [a, b] = pair as [number | string, number | string];
  return op === '$gt' ? a > b : op === '$gte' ? a >= b : op === '$lt' ? a < b : a <= b;
}
