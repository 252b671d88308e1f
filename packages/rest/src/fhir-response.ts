import type { HistoryDocument } from '@fhir-bulk/store';

/** What a handler returns; the API app turns it into an HTTP response, and Bundles into entry responses. */
export interface FhirResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export const etag = (versionId: number) => `W/"${versionId}"`;

/** Headers every response that carries one version has: ETag, Last-Modified, and Location when asked. */
export function versionHeaders(doc: HistoryDocument, location?: string): Record<string, string> {
  return {
    ETag: etag(doc.versionId),
    'Last-Modified': doc.lastUpdated.toUTCString(),
    ...(location ? { Location: location } : {}),
  };
}

/** `W/"3"`, `"3"` or `3` → 3; anything else is not a version this server issued. */
export function parseETag(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  // At most 15 digits: a version is a safe integer, and a longer one would be compared as a rounded float.
  const match = /^(?:W\/)?"?(\d{1,15})"?$/.exec(value.trim());
  return match ? Number(match[1]) : Number.NaN;
}
