import type { ApiMetrics } from '@fhir-bulk/metrics';
import type { Request, RequestHandler } from 'express';

/** Requests routed by the FHIR router, whichever of its mounts (`/`, `/fhir`, `/tenant/{id}`, …) they came through. */
const underFhirBase = new WeakSet<Request>();

/** First in the FHIR router: its route patterns are labelled `[base]/…`, one label for every mount and tenant. */
export const markFhirBase: RequestHandler = (req, _res, next) => {
  underFhirBase.add(req);
  next();
};

/**
 * The route pattern a request matched (`[base]/_export/:jobId`), never its URL, so the label has as many values as
 * there are routes. Requests refused before any route matched (401, 404, 413) are `unmatched`.
 */
export function routeLabel(req: Request): string {
  // Express keeps the last matched route on the request; patterns escape `$` (`/\$export`).
  const route = (req as { route?: { path?: unknown } }).route;
  if (route?.path === undefined) return 'unmatched';
  const pattern = String(route.path).replaceAll('\\', '');
  if (!underFhirBase.has(req)) return pattern;
  return pattern === '/' ? '[base]' : `[base]${pattern}`;
}

/** Times every request until its response is done (or the connection closes), by method, route and status. */
export function recordRequests(metrics: ApiMetrics): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.requestEnded({ method: req.method, route: routeLabel(req), status: res.statusCode }, seconds);
    });
    next();
  };
}
