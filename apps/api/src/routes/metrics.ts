import { type ApiMetrics, exposition } from '@fhir-bulk/metrics';
import { Router } from 'express';

/**
 * `GET /metrics` in Prometheus's text format, open like `/healthz`: Prometheus scrapes without a token, and no label
 * holds a secret or patient data (route patterns, job kinds, resource types and tenant ids only). Deployments that
 * keep tenant ids private refuse `/metrics` at their ingress and scrape the API from inside.
 */
export function metricsRoutes(metrics: ApiMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const { contentType, text } = await exposition(metrics.registry);
    res.type(contentType).send(text);
  });
  return router;
}
