import {
  badRequest,
  FHIR_ID,
  type FhirResource,
  isServerWritten,
  notFound,
  OperationOutcomeError,
  outcome,
  serverWrittenOnly,
} from '@fhir-bulk/fhir';
import { VersionConflictError } from '@fhir-bulk/store';
import { assertValidResource } from '@fhir-bulk/validation';
import { randomUUID } from 'node:crypto';
import { type FhirResponse, versionHeaders } from './fhir-response';
import type { RestContext } from './rest-context';

export const versionUrl = (type: string, id: string, versionId: number) => `${type}/${id}/_history/${versionId}`;

export function checkId(id: string, expression = 'id'): void {
  if (!FHIR_ID.test(id)) throw badRequest(`Invalid id "${id}": 1-64 letters, digits, '-' or '.'`, expression);
}

/** Refuses (405) a client's write of a type only the server writes (AuditEvent), before anything else is checked. */
export function checkClientWritable(type: string, expression?: string): void {
  if (isServerWritten(type)) throw serverWrittenOnly(type, 405, expression);
}

/** POST [base]/{type}: the server assigns the id (a client-sent id is ignored, as the spec says). */
export async function create(ctx: RestContext, type: string, body: unknown): Promise<FhirResponse> {
  checkClientWritable(type);
  ctx.authorize(type, 'create');
  assertValidResource(body, { expectedType: type, fhirVersion: ctx.fhirVersion });
  return save(ctx, { ...body, id: randomUUID() });
}

/** PUT [base]/{type}/{id}: update, or create with the client's id (update-as-create). */
export async function update(
  ctx: RestContext,
  type: string,
  id: string,
  body: unknown,
  ifMatch?: number,
): Promise<FhirResponse> {
  checkClientWritable(type);
  ctx.authorize(type, 'update');
  checkId(id);
  assertValidResource(body, { expectedType: type, requireId: true, fhirVersion: ctx.fhirVersion });
  const resource = body as FhirResource & { id: string };
  if (resource.id !== id)
    throw badRequest(`The resource id "${resource.id}" differs from the URL id "${id}"`, `${type}.id`);
  return save(ctx, resource, ifMatch);
}

/**
 * Writes an already validated resource: 201 + Location when it made the resource, 200 when a new version. Callers
 * have checked the caller's right to write it (create or update).
 */
export async function save(
  ctx: RestContext,
  resource: FhirResource & { id: string },
  ifMatch?: number,
): Promise<FhirResponse> {
  const { doc, created } = await withConflicts(() => ctx.store.write(ctx.tenant, resource, { ifMatch }));
  const location = `${ctx.baseUrl}/${versionUrl(doc.resource.resourceType, doc.id, doc.versionId)}`;
  return { status: created ? 201 : 200, body: doc.resource, headers: versionHeaders(doc, location) };
}

export async function read(ctx: RestContext, type: string, id: string): Promise<FhirResponse> {
  ctx.authorize(type, 'read');
  checkId(id);
  const doc = await ctx.store.read(ctx.tenant, type, id);
  if (!doc) throw notFound(`${type}/${id} is not known`);
  if (doc.deleted) throw gone(type, id, doc.versionId);
  return { status: 200, body: doc.resource, headers: versionHeaders(doc) };
}

export async function vread(ctx: RestContext, type: string, id: string, versionId: string): Promise<FhirResponse> {
  ctx.authorize(type, 'vread');
  checkId(id);
  const version = /^\d{1,9}$/.test(versionId)
    ? await ctx.store.readVersion(ctx.tenant, type, id, Number(versionId))
    : null;
  if (!version) throw notFound(`${type}/${id} has no version ${versionId}`);
  if (version.deleted) throw gone(type, id, version.versionId);
  return { status: 200, body: version.resource, headers: versionHeaders(version) };
}

/** DELETE [base]/{type}/{id}: leaves a tombstone; deleting what is absent or deleted is not an error. */
export async function remove(ctx: RestContext, type: string, id: string, ifMatch?: number): Promise<FhirResponse> {
  checkClientWritable(type);
  ctx.authorize(type, 'delete');
  checkId(id);
  const doc = await withConflicts(() => ctx.store.delete(ctx.tenant, type, id, { ifMatch }));
  return { status: 204, headers: doc ? versionHeaders(doc) : {} };
}

function gone(type: string, id: string, versionId: number): OperationOutcomeError {
  return new OperationOutcomeError(
    410,
    outcome('error', 'deleted', `${type}/${id} was deleted (version ${versionId})`),
    {
      ETag: `W/"${versionId}"`,
    },
  );
}

/** If-Match failures are 412 Precondition Failed; a lost race between writers is 409 Conflict. */
export async function withConflicts<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (!(error instanceof VersionConflictError)) throw error;
    throw new OperationOutcomeError(error.precondition ? 412 : 409, outcome('error', 'conflict', error.message));
  }
}
