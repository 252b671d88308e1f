import type { FhirVersion } from '@fhir-bulk/fhir';
import { toMongoFilter } from '@fhir-bulk/search';
import type { Filter } from 'mongodb';
import sift from 'sift';
import { type StoredDocument, tenantKeyRange } from './resource-document';

/** What a stream of one tenant's current resources of one type holds: its key range, time window and conditions. */
export interface StreamOptions {
  /** Resume strictly after this `_id` (the key of the last resource already written). */
  afterKey?: string;
  /** Start at this key (inclusive); an export partition's lower bound. Defaults to the tenant's first key. */
  fromKey?: string;
  /** Stop before this key (exclusive); an export partition's upper bound. Defaults to past the tenant's last key. */
  beforeKey?: string;
  /** Only resources last updated after this instant (`_since`). */
  since?: Date;
  /** Only resources last updated at or before this instant (an export's transactionTime). */
  until?: Date;
  /** Stream tombstones (deleted resources) instead of live ones: an export's `deleted` output. */
  tombstones?: boolean;
  /** Only resources in one of these compartments (`Patient/{id}`). */
  compartments?: readonly string[];
  /** Extra conditions: a translated FHIR search (packages/rest), or `anyOfSearches` (an export's `_typeFilter`). */
  filter?: Filter<StoredDocument>;
  /** Mongo cursor batch size: how many documents travel per round trip. */
  batchSize?: number;
  /** Derived fields the caller does not need; leaving them on the server saves decoding (export reads millions). */
  omit?: Array<'search' | 'compartments'>;
}

/**
 * The query behind streamCurrent: a key range of one tenant, live or tombstones, within a time window. The tenant
 * condition beside the compartments lets MongoDB use its `(tenant, compartments)` index.
 */
export function streamFilter(tenant: string, options: StreamOptions): Filter<StoredDocument> {
  const range = tenantKeyRange(tenant);
  const from = options.fromKey && options.fromKey > range.gte ? options.fromKey : range.gte;
  const before = options.beforeKey && options.beforeKey < range.lt ? options.beforeKey : range.lt;
  const lower = options.afterKey && options.afterKey >= from ? { $gt: options.afterKey } : { $gte: from };
  const lastUpdated = {
    ...(options.since ? { $gt: options.since } : {}),
    ...(options.until ? { $lte: options.until } : {}),
  };
  return {
    _id: { ...lower, $lt: before },
    deleted: options.tombstones ?? false,
    ...(options.since || options.until ? { lastUpdated } : {}),
    ...(options.compartments ? { tenant, compartments: { $in: [...options.compartments] } } : {}),
    ...options.filter,
  };
}

/**
 * The resources of `type` that match any of `searches`, each the parameters of one FHIR search the caller has
 * already validated (an export's `_typeFilter` queries, ORed); undefined for none.
 */
export function anyOfSearches(
  type: string,
  searches: ReadonlyArray<Array<[name: string, value: string]>>,
  version: FhirVersion,
): Filter<StoredDocument> | undefined {
  if (searches.length === 0) return undefined;
  const filters = searches.map((parameters) => toMongoFilter(type, parameters, { version }).filter);
  return (filters.length === 1 ? filters[0] : { $or: filters }) as Filter<StoredDocument>;
}

/**
 * The conditions of a stream other than its key range (time window, live or tombstone, compartments, `filter`), as
 * a predicate over documents: what a storage-order scan (`scanRange`) evaluates in the caller instead of in the
 * database, with MongoDB's semantics (sift).
 */
export function streamMatcher(tenant: string, options: StreamOptions): (doc: StoredDocument) => boolean {
  const { _id: _range, ...conditions } = streamFilter(tenant, options);
  return sift<StoredDocument>(conditions as Parameters<typeof sift<StoredDocument>>[0]);
}
