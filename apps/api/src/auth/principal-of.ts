import type { Principal } from '@fhir-bulk/auth';
import type { Request } from 'express';

/** The caller, as `authenticate` found it; a route reached without it is a wiring mistake, not a client's. */
export function principalOf(req: Request): Principal {
  const principal = req.res?.locals.principal as Principal | undefined;
  if (!principal) throw new Error(`No principal for ${req.method} ${req.originalUrl}: authenticate() must run first`);
  return principal;
}
