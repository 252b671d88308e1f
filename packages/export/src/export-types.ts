import { AUDIT_EVENT, badRequest, type FhirVersion, isResourceTypeOf, resourceTypesOf } from '@fhir-bulk/fhir';
import { searchDefinitions } from '@fhir-bulk/search';
import type { ExportLevel } from './export-job';
import type { Handling } from './handling';

/**
 * A system-level export without `_type`: IG 3.0.0, "If this parameter is omitted, the server SHALL return all
 * supported resources". This server stores every type of the tenant's FHIR version, so that is all of them; the
 * worker is expected to skip the types a tenant has no data for while planning, rather than run one empty activity
 * per type.
 */
export const systemExportTypes = (version: FhirVersion): readonly string[] => resourceTypesOf(version);

/**
 * A Patient- or Group-level export: the Patient, then the types of the version's Patient compartment
 * (CompartmentDefinition/patient, from the generated search tables). IG 3.0.0: "the Patient Compartment SHOULD be
 * used as a point of reference for recommended resources to be returned and, where applicable, Patient resources
 * SHOULD be returned."
 */
export function patientExportTypes(version: FhirVersion): readonly string[] {
  const definitions = searchDefinitions(version);
  return [
    'Patient',
    ...resourceTypesOf(version).filter(
      (type) => type !== 'Patient' && definitions.patientCompartmentParams(type).length > 0,
    ),
  ];
}

/**
 * The audit trail is exported only when `_type` names it (by a client with `audit/read`): "all data" of a tenant
 * does not include the record of the requests made to it, which grows with every request, the export's own too.
 */
const isDefault = (type: string) => type !== AUDIT_EVENT;

/**
 * `_type` (already split on commas), or the level's default types but AuditEvent when absent. Unknown types, and
 * at Patient/Group level types outside the compartment (the worker can select only compartment resources by
 * patient), are unsupported: a 400, or skipped under lenient handling. A request left with no type at all is a 400
 * either way.
 */
export function parseTypes(
  values: string[] | undefined,
  level: ExportLevel,
  handling: Handling,
  version: FhirVersion,
): string[] {
  const compartment = patientExportTypes(version);
  if (values === undefined) return (level === 'system' ? systemExportTypes(version) : compartment).filter(isDefault);
  const unknown = values.filter((type) => !isResourceTypeOf(version, type));
  if (unknown.length > 0) {
    // The product spec's INVALID_TYPE: e.g. R4's DeviceUseStatement asked of an R5 tenant.
    const message = `_type names types that are not FHIR ${version} resource types: ${unknown.join(', ')}`;
    handling.unsupported('_type', message, badRequest);
  }
  const outside =
    level === 'system' ? [] : values.filter((type) => !unknown.includes(type) && !compartment.includes(type));
  if (outside.length > 0) {
    const reason = `_type names types outside the Patient compartment, which a ${level}-level export cannot select`;
    handling.unsupported('_type', `${reason}: ${outside.join(', ')}`);
  }
  const types = values.filter((type) => !unknown.includes(type) && !outside.includes(type));
  if (types.length === 0) throw badRequest('_type names no resource type this export can hold', '_type');
  return types;
}
