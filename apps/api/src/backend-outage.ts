import { isMongoUnreachable } from '@fhir-bulk/store';

/**
 * Whether an error means a backing service (MongoDB, S3, Temporal) could not be reached, rather than that the
 * request or this server is wrong. The IG asks for a `transient` OperationOutcome then, so a bulk client keeps
 * polling instead of giving up on its job.
 */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE']);
/** gRPC UNAVAILABLE and DEADLINE_EXCEEDED, as the Temporal client reports an unreachable server. */
const GRPC_UNREACHABLE = new Set([14, 4]);

export function isBackendOutage(error: unknown): boolean {
  if (isMongoUnreachable(error)) return true;
  for (let at: unknown = error, depth = 0; at instanceof Error && depth < 5; depth++) {
    const { name, code } = at as Error & { code?: unknown };
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
    if (name === 'ServiceError' && typeof code === 'number' && GRPC_UNREACHABLE.has(code)) return true;
    // S3 (AWS SDK) and gRPC wrap the network error as `cause`.
    at = (at as { cause?: unknown }).cause;
  }
  return false;
}
