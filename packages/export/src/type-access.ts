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
 * The export of a client without `audit/read`: the audit trail is not part of its default types (nor named in the
 * manifest's `error` file: it is not data withheld from the client, but the record of the clients' own reads), and
 * naming AuditEvent (`_type`, or a view of it) is refused (403).
 */
export function withoutAuditTrail<T extends ExportRequest>(request: T): T {
  if (!request.types.includes(AUDIT_EVENT)) return request;
  if (request.typesRequested) throw forbidden(`Exporting ${AUDIT_EVENT} needs the permission audit/read`);
  return { ...request, types: request.types.filter((type) => type !== AUDIT_EVENT) };
}
