import type { ResourceStore, TransactionRunner } from '@fhir-bulk/store';

/** Everything a handler needs to know about where it runs; built by the API app per request. */
export interface RestContext {
  tenant: string;
  /** The [base] URL the client used, for fullUrl, Location and paging links. */
  baseUrl: string;
  store: ResourceStore;
  transactions: TransactionRunner;
  /** `Prefer: handling=lenient`: unknown search parameters are ignored instead of rejected. */
  lenient?: boolean;
}
