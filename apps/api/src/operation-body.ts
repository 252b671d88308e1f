import { OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import type { Request } from 'express';

/**
 * The Parameters body of an operation's POST (app.ts has parsed it), or undefined when there is none: a POST
 * without parameters may come without a body, or with `Content-Length: 0` and no Content-Type. A body that is not
 * FHIR JSON is refused with 415.
 */
export function operationBody(req: Request, operation: string): unknown {
  const hasBody = req.get('Transfer-Encoding') !== undefined || Number(req.get('Content-Length') ?? 0) > 0;
  if (req.method !== 'POST' || !hasBody) return undefined;
  if (!req.is(['application/json', 'application/fhir+json'])) {
    const message = `A ${operation} body must be application/fhir+json, not ${req.get('Content-Type')}`;
    throw new OperationOutcomeError(415, outcome('error', 'not-supported', message));
  }
  return req.body as unknown;
}
