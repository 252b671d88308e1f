import {
  type AuditClient,
  type AuditRecorder,
  type AuditSource,
  classifyRequest,
  type RequestClass,
  type RequestFacts,
  redactedParameters,
  redactedQuery,
  requestEvent,
} from '@fhir-bulk/audit';
import type { Principal } from '@fhir-bulk/auth';
import { OperationOutcomeError } from '@fhir-bulk/fhir';
import type { Request, RequestHandler, Response } from 'express';
import { tenantOf } from '../fhir-base';

/** res.locals keys: the request is being audited; the kick-off's job; why it failed. */
const AUDITED = 'audited';
const JOB_ID = 'auditJobId';
const FAILURE = 'auditFailure';

export const apiSource = (publicBaseUrl: string): AuditSource => ({ site: publicBaseUrl, observer: 'fhir-bulk api' });

export const auditClient = (principal: Principal, req: Request): AuditClient => ({
  id: principal.clientId,
  name: principal.clientName,
  proven: true,
  ...(req.ip === undefined ? {} : { address: req.ip }),
});

/** A kick-off names its job for its AuditEvent (recorded only if the kick-off is accepted). */
export const noteAuditJob = (res: Response, jobId: string): void => {
  res.locals[JOB_ID] = jobId;
};

/**
 * The error handler tells the audit why a request failed: a FHIR error's diagnostics (what the client was told);
 * of anything else only that the server failed, since an internal error may carry data.
 */
export function noteAuditFailure(res: Response, error: unknown): void {
  res.locals[FAILURE] =
    error instanceof OperationOutcomeError || isClientError(error) ? (error as Error).message : 'server error';
}

const isClientError = (error: unknown) => {
  const status = (error as { status?: unknown } | undefined)?.status;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
};

/**
 * One AuditEvent per FHIR request, recorded when its response has ended (or its connection closed), with its status:
 * REST interactions, kick-offs, cancels and file downloads (classifyRequest). Recording only queues the event (the
 * AuditTrail writes it in the background). A request refused before its client is known (no or a bad token) has no
 * agent and is not recorded here; token requests are recorded by the token endpoint.
 */
export function auditRequests(audit: AuditRecorder, publicBaseUrl: string): RequestHandler {
  const source = apiSource(publicBaseUrl);
  return (req, res, next) => {
    // The FHIR router is mounted at several paths; a request it passes on reaches it again under the next one.
    if (res.locals[AUDITED]) return next();
    res.locals[AUDITED] = true;
    const tenant = tenantOrUndefined(req);
    const request = classifyRequest(req.method, req.path, (req.body as { type?: unknown } | undefined)?.type);
    if (tenant === undefined || request === undefined) return next();
    const query = queryOf(req, request);
    const sent = request.kind === 'download' ? countBodyBytes(res) : undefined;
    res.once('close', () => {
      const principal = res.locals.principal as Principal | undefined;
      if (!principal) return;
      const status = res.statusCode;
      const jobId = res.locals[JOB_ID] as string | undefined;
      const location = res.getHeader('Location') ?? res.getHeader('Content-Location');
      const facts: RequestFacts = {
        status,
        ...(status >= 400 ? { failure: (res.locals[FAILURE] as string | undefined) ?? `HTTP ${status}` } : {}),
        client: auditClient(principal, req),
        source,
        tenant,
        recorded: new Date(),
        ...(query ? { query } : {}),
        ...(jobId !== undefined && status < 400 ? { jobId } : {}),
        ...(typeof location === 'string' ? { location } : {}),
        ...(sent ? { download: downloadFacts(res, sent.bytes) } : {}),
      };
      audit.record(tenant, requestEvent(request, facts));
    });
    next();
  };
}

function tenantOrUndefined(req: Request): string | undefined {
  try {
    return tenantOf(req);
  } catch {
    return undefined;
  }
}

/** A search's query string; a kick-off's too, or its Parameters body when POSTed; credentials redacted. */
function queryOf(req: Request, request: RequestClass): string | undefined {
  const search = new URL(req.originalUrl, 'http://x').search.slice(1);
  if (request.kind === 'kickoff' && req.method === 'POST' && typeof req.body === 'object' && req.body !== null)
    return redactedParameters(req.body);
  return request.kind === 'kickoff' || request.kind === 'rest' ? redactedQuery(search) : undefined;
}

function downloadFacts(res: Response, bytes: number): RequestFacts['download'] {
  const encoding = res.getHeader('Content-Encoding');
  const range = res.getHeader('Content-Range');
  return {
    // An error's OperationOutcome is no part of the file.
    bytesSent: res.statusCode < 400 ? bytes : 0,
    ...(typeof encoding === 'string' ? { encoding } : {}),
    ...(res.statusCode === 206 && typeof range === 'string' ? { range } : {}),
    complete: res.writableFinished,
  };
}

/**
 * Counts the body bytes a response writes to its connection (after gzip, as sent), whoever writes them: a download
 * is piped from S3 by object-download.ts, which needs to know nothing of the audit.
 */
function countBodyBytes(res: Response): { bytes: number } {
  const counted = { bytes: 0 };
  const count = (chunk: unknown, encoding?: unknown) => {
    if (typeof chunk === 'string')
      counted.bytes += Buffer.byteLength(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    else if (chunk instanceof Uint8Array) counted.bytes += chunk.byteLength;
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.write = ((chunk: unknown, ...rest: unknown[]) => {
    count(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as Response['write'];
  res.end = ((chunk?: unknown, ...rest: unknown[]) => {
    if (typeof chunk !== 'function') count(chunk, rest[0]);
    return end(chunk, ...rest);
  }) as Response['end'];
  return counted;
}
