import { AUDIT_EVENT, forbidden } from '@fhir-bulk/fhir';
import type { ExportRequest } from './export-job';

/**
 * The export a client may run, given which types its scopes read. Types it named (`_type`, views) must all be
 * readable, or the kick-off is refused (403). Default types it may not read are left out and named in the
 * manifest's `error` file, as the IG suggests for resources a server withholds; with none left, 403.
 */
export function readableExport<T extends ExportRequest>(request: T, mayRead: (type: string) => boolean): T {
  const unreadable = request.types.filter((type) => !mayRead(type));
  if (unreadable.length === 0) return request;
  const names = unreadable.join(', ');
  if (request.typesRequested) throw forbidden(`No granted scope reads ${names} (system/{type}.read or .rs)`);
  const types = request.types.filter(mayRead);
  if (types.length === 0) throw forbidden('No granted scope reads any type this export would write');
  const reason = `Not exported: ${names}; no granted scope reads ${unreadable.length === 1 ? 'it' : 'them'}`;
  return {
    ...request,
    types,
    ignored: [...request.ignored, { parameter: '_type', reason, code: 'forbidden' }],
  };
}

/**
 * The check for a client without `audit/read`: AuditEvent is never among the default types (export-types.ts), so it
 * is in `types` only when named (`_type`, or a view of it), which is then refused (403).
 */
export function refuseAuditTrail(request: ExportRequest): void {
  if (request.types.includes(AUDIT_EVENT)) throw forbidden(`Exporting ${AUDIT_EVENT} needs the permission audit/read`);
}
