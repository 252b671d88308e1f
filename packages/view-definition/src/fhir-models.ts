import { type Model } from 'fhirpath';
import * as r4 from 'fhirpath/fhir-context/r4';
import * as r5 from 'fhirpath/fhir-context/r5';
import { type FhirRelease } from './view-definition';

// Copied into plain objects: the namespace import reads each property through a getter, on every model lookup.
const MODELS: Record<FhirRelease, Model> = { R4: { ...r4 }, R5: { ...r5 } };

/**
 * The release a view runs under: the caller's choice, else the view's `fhirVersion` (4.x → R4, 5.x → R5; R4 wins
 * when both are listed, as it is what the store holds), else R4. `undefined` when `fhirVersion` names neither.
 */
export function releaseOf(fhirVersion: readonly string[] | undefined, chosen?: FhirRelease): FhirRelease | undefined {
  if (chosen) return chosen;
  if (!fhirVersion?.length) return 'R4';
  if (fhirVersion.some((v) => v.startsWith('4.'))) return 'R4';
  if (fhirVersion.some((v) => v.startsWith('5.'))) return 'R5';
  return undefined;
}

export const modelOf = (release: FhirRelease): Model => MODELS[release];

const ABSTRACT_RESOURCES = new Set(['Resource', 'DomainResource']);

/** Whether `type` names a concrete resource type in the model (its ancestry reaches `Resource`). */
export function isResourceType(model: Model, type: string): boolean {
  if (ABSTRACT_RESOURCES.has(type)) return false;
  for (let t: string | undefined = type; t; t = model.type2Parent[t]) {
    if (t === 'Resource') return true;
  }
  return false;
}
