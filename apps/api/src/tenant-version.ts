import { type FhirVersion, mediaTypeFhirVersion, OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import type { TenantVersions } from '@fhir-bulk/store';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { tenantOf } from './fhir-base';

/** What the API reads of the tenants' versions (a TenantVersions, or a fixed answer in route tests). */
export type TenantVersionLookup = Pick<TenantVersions, 'presumedVersionOf'>;

const resolved = new WeakMap<Request, FhirVersion>();

/**
 * Resolves the tenant's FHIR version for the routes after it (issue 15), without recording it: the store records a
 * tenant's version at its first write, so a refused request changes nothing. Refuses a request whose media types
 * name another version (FHIR's `fhirVersion` parameter, http://hl7.org/fhir/R5/http.html#version-parameter): 406
 * when `Accept` asks only for others, 415 when the body is said to be of another.
 */
export function resolveFhirVersion(versions: TenantVersionLookup): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    const version = await versions.presumedVersionOf(tenantOf(req));
    checkMediaTypeVersions(req, version);
    resolved.set(req, version);
    next();
  };
}

/** Refuses a request whose media types name another FHIR version than `version`: 415 for the body, 406 for Accept. */
export function checkMediaTypeVersions(req: Request, version: FhirVersion): void {
  const body = mediaTypeVersions(req.get('Content-Type'));
  if (body.length > 0 && !body.includes(version))
    throw versionMismatch(415, 'Content-Type', `the body is FHIR ${body.join(', ')}`, version);
  const accepted = mediaTypeVersions(req.get('Accept'));
  if (accepted.length > 0 && !accepted.includes(version))
    throw versionMismatch(406, 'Accept', `the client accepts only FHIR ${accepted.join(', ')}`, version);
}

/** The tenant's FHIR version, as resolveFhirVersion found it for this request. */
export function fhirVersionOf(req: Request): FhirVersion {
  const version = resolved.get(req);
  if (!version) throw new Error('the FHIR version is read before resolveFhirVersion ran');
  return version;
}

/**
 * The versions a header's media types name with `fhirVersion`. None (no constraint) when any media type names none:
 * that one takes the tenant's version.
 */
export function mediaTypeVersions(header: string | undefined): string[] {
  const mediaTypes = (header ?? '').split(',').filter((mediaType) => mediaType.trim() !== '');
  const named = mediaTypes.map(mediaTypeFhirVersion);
  if (named.some((version) => version === undefined)) return [];
  return [...new Set(named as string[])];
}

function versionMismatch(status: 406 | 415, header: string, what: string, version: FhirVersion): OperationOutcomeError {
  const message = `${what}, but this tenant speaks FHIR ${version} (fhirVersion=${version.slice(0, 3)})`;
  return new OperationOutcomeError(status, outcome('error', 'not-supported', message, header));
}
