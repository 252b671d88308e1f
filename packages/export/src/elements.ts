import { badRequest, type FhirVersion, isResourceTypeOf } from '@fhir-bulk/fhir';
import type { Handling } from './handling';

/** The key of elements requested without a type, which apply to every exported type. */
export const ALL_TYPES = '*';

/** `[resource type].[element name]` or `[element name]`; FHIR element names start with a lower-case letter. */
const ELEMENT = /^(?:([A-Z][A-Za-z]*)\.)?([a-z][A-Za-z0-9]{0,63})$/;

/**
 * `_elements` (already split on commas) by type, `*` for untyped names; undefined when absent. IG 3.0.0: "Elements
 * SHOULD be of the form [resource type].[element name] (e.g., Patient.id) or [element name] (e.g., id) and only root
 * elements in a resource are permitted", so a path (`Patient.name.given`) is a 400. Names are checked for shape only:
 * the worker keeps what exists, plus the mandatory elements.
 */
export function parseElements(
  values: string[] | undefined,
  handling: Handling,
  version: FhirVersion,
): Record<string, string[]> | undefined {
  if (values === undefined) return undefined;
  const elements: Record<string, string[]> = {};
  for (const value of values) {
    const match = ELEMENT.exec(value);
    if (!match) {
      throw badRequest(
        `_elements "${value}" is not Type.element or element (only root elements are allowed)`,
        '_elements',
      );
    }
    const [, type = ALL_TYPES, element = ''] = match;
    if (type !== ALL_TYPES && !isResourceTypeOf(version, type)) {
      handling.unsupported(
        '_elements',
        `_elements ${value}: ${type} is not a FHIR ${version} resource type`,
        badRequest,
      );
      continue;
    }
    if (!elements[type]?.includes(element)) (elements[type] ??= []).push(element);
  }
  return Object.keys(elements).length > 0 ? elements : undefined;
}
