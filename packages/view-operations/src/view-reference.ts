import { badRequest, FHIR_ID, type NamedElement } from '@fhir-bulk/fhir';
import type { FhirJson } from '@fhir-bulk/view-definition';

/**
 * What a `viewReference` or `viewResource` may be, one rule for `$viewdefinition-run` and `$viewdefinition-export`.
 * A reference names a ViewDefinition this server stores: `ViewDefinition/{id}`, relative or under the request's
 * [base] (`baseUrl`); a canonical URL or another server's view is refused. Errors are located at `at`: the
 * parameter's name (run) or its position (export, as SQL on FHIR's examples locate parts).
 */
export const viewReferenceId = (reference: NamedElement, baseUrl: string, at = reference.at): string =>
  localId(reference, 'ViewDefinition', baseUrl, at);

/** An inline view is any resource; what makes it a runnable ViewDefinition is the view validator's to say. */
export const viewResourceOf = (inline: NamedElement, at = inline.at): FhirJson => inlineResource(inline, at);

/** `Type/id`, relative or under this server's [base], to the id. */
export function localId(p: NamedElement, type: string, baseUrl: string, at = p.at): string {
  const reference = p.reference(at);
  const relative = reference.startsWith(`${baseUrl}/`) ? reference.slice(baseUrl.length + 1) : reference;
  const [referenced, id, ...rest] = relative.split('/');
  if (referenced !== type || id === undefined || !FHIR_ID.test(id) || rest.length > 0) {
    throw badRequest(`${p.name} must reference a ${type} of this server as ${type}/{id}, not "${reference}"`, at);
  }
  return id;
}

/** A parameter's `resource`, which must say what it is (`resourceType`). */
export function inlineResource(p: NamedElement, at = p.at): FhirJson {
  const resource = p.resource(at);
  if (typeof resource.resourceType === 'string') return resource;
  throw badRequest(`${p.name} must carry a resource (with a resourceType)`, at);
}
