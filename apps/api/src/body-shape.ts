import { badRequest, jsonShapeProblem, OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import type { RequestHandler } from 'express';
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';

/**
 * The JSON parser's `verify` step: a body declared UTF-8 (FHIR's only JSON encoding, and the default) must be UTF-8.
 * The parser would otherwise decode bad bytes to U+FFFD and the resource would be stored altered, as an NDJSON
 * import line with such bytes is not.
 */
export function requireUtf8(req: IncomingMessage, _res: unknown, body: Buffer): void {
  const charset = /;\s*charset="?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1] ?? 'utf-8';
  if (/^utf-?8$/i.test(charset) && !isUtf8(body)) {
    throw badRequest('The body is not valid UTF-8: it has bytes that encode no character');
  }
}

/**
 * Every FHIR JSON body (resources, Bundles, Parameters, ViewDefinitions) is checked for a shape FHIR allows and the
 * store can hold before any handler sees it: a 400 naming where, instead of a validator's stack overflow or a
 * store error deep inside a write. A batch Bundle's entry resources are left to their entries: each succeeds or
 * fails alone (the validator runs the same check on each).
 */
export const checkBodyShape: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  if (typeof body === 'object' && body !== null) {
    const type = (body as { resourceType?: unknown }).resourceType;
    const root = typeof type === 'string' && /^[A-Za-z]{1,64}$/.test(type) ? type : '$';
    const problem = jsonShapeProblem(isBatch(body) ? withoutEntryResources(body) : body, root);
    if (problem) {
      throw new OperationOutcomeError(
        400,
        outcome('error', 'structure', `${problem.path} ${problem.message}`, problem.path),
      );
    }
  }
  next();
};

type Batch = { resourceType: 'Bundle'; type: 'batch'; entry: unknown[] };

const isBatch = (body: object): body is Batch => {
  const bundle = body as Partial<Batch>;
  return bundle.resourceType === 'Bundle' && bundle.type === 'batch' && Array.isArray(bundle.entry);
};

const withoutEntryResources = (bundle: Batch) => ({
  ...bundle,
  entry: bundle.entry.map((entry) =>
    typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? { ...entry, resource: {} } : entry,
  ),
});
