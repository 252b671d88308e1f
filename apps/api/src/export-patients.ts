import { type ExportRequest, groupPatientIds } from '@fhir-bulk/export';
import { OperationOutcomeError, outcome } from '@fhir-bulk/fhir';
import type { ResourceStore } from '@fhir-bulk/store';

/**
 * Whom a Patient- or Group-level kick-off is about, checked before any job starts. A Group (or the patient of
 * `Patient/{id}/$export`) the tenant does not hold is a 404: answered later, by the status poll, its 404 would look
 * like that of a deleted job. The worker reads the Group again when it plans (it may change meanwhile).
 *
 * IG 3.0.0 on `patient`: "If a client requests patients who are not present on the server (or in the case of a
 * group level export, who are not members of the group), the server SHOULD return details via a FHIR
 * OperationOutcome resource in an error response to the request": a 400 naming them, as `$viewdefinition-run` does.
 */
export async function checkExportPatients(
  store: ResourceStore,
  tenant: string,
  request: Pick<ExportRequest, 'level' | 'groupId' | 'patients'>,
  urlPatientId: string | undefined,
): Promise<void> {
  if (request.level === 'group') {
    const group = await readLive(store, tenant, 'Group', request.groupId ?? '');
    if (!group) throw notFound(`Group/${request.groupId} does not exist`);
    const members = new Set(groupPatientIds(group.resource as Parameters<typeof groupPatientIds>[0]));
    refuse(
      (request.patients ?? []).filter((id) => !members.has(id)),
      `not active members of Group/${request.groupId}`,
    );
    return;
  }
  if (request.level !== 'patient' || !request.patients) return;
  const found = await Promise.all(request.patients.map((id) => readLive(store, tenant, 'Patient', id)));
  const missing = request.patients.filter((_, i) => !found[i]);
  if (urlPatientId !== undefined && missing.length > 0) throw notFound(`Patient/${urlPatientId} does not exist`);
  refuse(missing, 'not known');
}

async function readLive(store: ResourceStore, tenant: string, type: string, id: string) {
  const doc = await store.read(tenant, type, id);
  return doc && !doc.deleted ? doc : undefined;
}

const notFound = (diagnostics: string) => new OperationOutcomeError(404, outcome('error', 'not-found', diagnostics));

function refuse(ids: string[], why: string): void {
  if (ids.length === 0) return;
  const names = ids.map((id) => `Patient/${id}`).join(', ');
  throw new OperationOutcomeError(400, outcome('error', 'not-found', `patient ${names}: ${why}`, 'patient'));
}
