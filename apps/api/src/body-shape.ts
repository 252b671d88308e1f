import { jsonShapeProblem, OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import type { RequestHandler } from 'express';

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
