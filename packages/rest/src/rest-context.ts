import type { FhirVersion } from '@fhir-bulk/fhir';
import type { ResourceStore, TransactionRunner } from '@fhir-bulk/store';

/** The FHIR REST interactions a caller may or may not be allowed, per resource type (SMART scopes map onto these). */
export type RestInteraction =
  'read' | 'vread' | 'history-instance' | 'search-type' | 'history-type' | 'create' | 'update' | 'delete';

/** Everything a handler needs to know about where it runs; built by the API app per request. */
export interface RestContext {
  tenant: string;
  /** The tenant's FHIR version: what bodies are validated against and which search parameters exist. */
  fhirVersion: FhirVersion;
  /** The [base] URL the client used, for fullUrl, Location and paging links. */
  baseUrl: string;
  store: ResourceStore;
  transactions: TransactionRunner;
  /** `Prefer: handling=lenient`: unknown search parameters are ignored instead of rejected. */
  lenient?: boolean;
  /**
   * Throws (403) unless the caller may do `interaction` on `type`. Every handler calls it before touching the store,
   * so REST routes and Bundle entries are checked alike.
   */
  authorize(type: string, interaction: RestInteraction): void;
}
