import { SIGNING_ALGORITHMS } from '@fhir-bulk/auth';
import { Router } from 'express';
import type { AuthApi } from '../auth-api';

/** The scopes a client can ask for, in both SMART versions; types narrow them (`system/Patient.rs`). */
const SCOPES_SUPPORTED = [
  'system/*.read',
  'system/*.write',
  'system/*.*',
  'system/*.rs',
  'system/*.cud',
  'system/*.cruds',
];

/**
 * SMART discovery (`[base]/.well-known/smart-configuration`) on every base, tenants' too: how a Backend Services
 * client gets a token here. Open, like `metadata`: a client reads it before it has a token.
 */
export function smartConfigurationRoutes(auth: AuthApi, publicBaseUrl: string): Router {
  const router = Router({ mergeParams: true });
  router.get('/.well-known/smart-configuration', (_req, res) => {
    res.json({
      token_endpoint: auth.tokenUrl,
      registration_endpoint: `${publicBaseUrl.replace(/\/$/, '')}/auth/register`,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: [...SIGNING_ALGORITHMS],
      grant_types_supported: ['client_credentials'],
      scopes_supported: SCOPES_SUPPORTED,
      capabilities: ['client-confidential-asymmetric', 'permission-v1', 'permission-v2'],
    });
  });
  return router;
}
