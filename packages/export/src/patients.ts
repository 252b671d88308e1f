import { badRequest, FHIR_ID } from '@fhir-bulk/fhir';
import type { ExportLevel } from './export-job';
import type { Handling } from './handling';
import type { KickoffParameter } from './kickoff-parameters';

/** `Patient/123`, or the same rooted in a server's base URL (the IG allows absolute references in exports). */
const PATIENT_REFERENCE = /^(?:https?:\/\/[^?#]+\/)?Patient\/([^/?#]+)$/;

/**
 * The patients an export is limited to: the id of `Patient/{id}/$export`, or the `patient` parameter's references;
 * undefined for no limit. IG 3.0.0 makes `patient` "POST requests only" and "Not applicable to system level export
 * requests"; both are treated as unsupported (400, or skipped under lenient handling). On `Patient/{id}/$export` the
 * parameter may only repeat that id: anything else asks for patients the URL already excludes.
 */
export function parsePatients(
  parameters: KickoffParameter[],
  level: ExportLevel,
  patientId: string | undefined,
  handling: Handling,
): string[] | undefined {
  const fromBody = parameters.filter((p) => p.source === 'body');
  if (fromBody.length < parameters.length) {
    handling.unsupported('patient', 'patient is accepted only in the Parameters body of a POST kick-off');
  }
  if (level === 'system' && fromBody.length > 0) {
    handling.unsupported('patient', 'patient does not apply to a system-level export; use Patient/$export');
    return undefined;
  }
  const ids = [...new Set(fromBody.map((p) => patientIdOf(p.value)))];
  if (patientId === undefined) return ids.length > 0 ? ids : undefined;
  const others = ids.filter((id) => id !== patientId);
  if (others.length > 0) {
    throw badRequest(`patient names patients other than Patient/${patientId}: ${others.join(', ')}`, 'patient');
  }
  return [patientId];
}

export function patientIdOf(reference: string): string {
  const id = PATIENT_REFERENCE.exec(reference.trim())?.[1];
  if (id === undefined || !FHIR_ID.test(id)) {
    throw badRequest(`patient "${reference}" is not a Patient reference such as Patient/123`, 'patient');
  }
  return id;
}
