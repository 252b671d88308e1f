/**
 * Query time: a FHIR date search value as a Mongo condition, following FHIR R4 range semantics. The search value
 * is a range [qs, qe) (its precision: `2020` is the whole year); the resource value a range [rs, re), stored as
 * `search.<code>__start/__end` (re exclusive, an absent field is open: -∞/+∞), or a document's own instant.
 *
 *   eq  [rs, re) within [qs, qe):   rs >= qs and re <= qe
 *   ne  not eq:                     rs < qs or re > qe
 *   gt  some of it after qe:        re > qe            lt  some of it before qs:   rs < qs
 *   ge  some of it at/after qs:     re > qs            le  some of it before qe:   rs < qe
 *   sa  starts after:               rs >= qe           eb  ends before:            re <= qs
 *   ap  approximation: overlap      rs < qe and re > qs (FHIR's 10% widening is not applied)
 *
 * ge/le are the usual reading (HAPI, Medplum): `ge2020` matches anything reaching into 2020 or later.
 */
import { badRequest } from '@fhir-bulk/fhir';
import { type DateRange, parseDateRange } from './dates';
import { DATES_PRESENT, dateEndKey, dateStartKey } from './extract';

export type Condition = Record<string, unknown>;

/** A search parameter's stored envelope, or a document's own instant field (`lastUpdated`: the range [t, t+1ms)). */
export type DateTarget = { kind: 'param'; code: string } | { kind: 'instant'; field: string };

const PREFIXES = new Set(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

export const and = (...conditions: Condition[]): Condition =>
  conditions.length === 1 && conditions[0] ? conditions[0] : { $and: conditions };
export const or = (...conditions: Condition[]): Condition =>
  conditions.length === 1 && conditions[0] ? conditions[0] : { $or: conditions };

/** One condition for the comma-separated (OR) values of one date parameter. */
export function dateCondition(target: DateTarget, values: string[], name: string): Condition {
  const conditions = values.map((value) => {
    const m = /^([a-z]{2})?(\d.*)$/.exec(value);
    const prefix = m?.[1] ?? 'eq';
    if (!PREFIXES.has(prefix)) throw badRequest(`${name}: unknown date prefix "${prefix}"`, name);
    const range = m?.[2] === undefined ? undefined : parseDateRange(m[2]);
    if (!range) throw badRequest(`${name}: "${value}" is not a FHIR date, dateTime or instant`, name);
    return compare(predicates(target), prefix, range);
  });
  const condition = or(...conditions);
  return target.kind === 'param' ? and({ [`search.${DATES_PRESENT}`]: target.code }, condition) : condition;
}

interface Predicates {
  startGte(x: Date): Condition;
  startLt(x: Date): Condition;
  endGt(x: Date): Condition;
  endLte(x: Date): Condition;
}

function compare(p: Predicates, prefix: string, { start: qs, end: qe }: DateRange): Condition {
  switch (prefix) {
    case 'ne':
      return or(p.startLt(qs), p.endGt(qe));
    case 'gt':
      return p.endGt(qe);
    case 'lt':
      return p.startLt(qs);
    case 'ge':
      return p.endGt(qs);
    case 'le':
      return p.startLt(qe);
    case 'sa':
      return p.startGte(qe);
    case 'eb':
      return p.endLte(qs);
    case 'ap':
      return and(p.startLt(qe), p.endGt(qs));
    default:
      return and(p.startGte(qs), p.endLte(qe));
  }
}

function predicates(target: DateTarget): Predicates {
  if (target.kind === 'instant') {
    // A point t is the range [t, t+1ms): with whole milliseconds, t+1 > x is t >= x and t+1 <= x is t < x.
    const f = target.field;
    return {
      startGte: (x) => ({ [f]: { $gte: x } }),
      startLt: (x) => ({ [f]: { $lt: x } }),
      endGt: (x) => ({ [f]: { $gte: x } }),
      endLte: (x) => ({ [f]: { $lt: x } }),
    };
  }
  const start = `search.${dateStartKey(target.code)}`;
  const end = `search.${dateEndKey(target.code)}`;
  // An absent start is -∞ (always before), an absent end is +∞ (always after).
  return {
    startGte: (x) => ({ [start]: { $gte: x } }),
    startLt: (x) => or({ [start]: { $lt: x } }, { [start]: { $exists: false } }),
    endGt: (x) => or({ [end]: { $gt: x } }, { [end]: { $exists: false } }),
    endLte: (x) => ({ [end]: { $lte: x } }),
  };
}
