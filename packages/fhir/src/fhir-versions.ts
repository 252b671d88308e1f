/**
 * The FHIR versions this server speaks, and what differs between them at the level of resource types. A tenant
 * speaks one of them (issue 15); R4 is the default. The type lists are generated from each version's official
 * definitions (scripts/generate-resource-types.ts).
 */
import generated from './generated/resource-types.json';

export const FHIR_VERSIONS = ['4.0.1', '5.0.0'] as const;
export type FhirVersion = (typeof FHIR_VERSIONS)[number];

export const isFhirVersion = (value: string): value is FhirVersion =>
  (FHIR_VERSIONS as readonly string[]).includes(value);

/** The release a version belongs to, as people name it (`R4`, `R5`). */
export const fhirRelease = (version: FhirVersion): 'R4' | 'R5' => (version === '4.0.1' ? 'R4' : 'R5');

const typeLists: Record<FhirVersion, readonly string[]> = generated.types;
const typeSets: Record<FhirVersion, ReadonlySet<string>> = {
  '4.0.1': new Set(typeLists['4.0.1']),
  '5.0.0': new Set(typeLists['5.0.0']),
};

/** The concrete resource types of a version, sorted (R4: 146, R5: 158). */
export const resourceTypesOf = (version: FhirVersion): readonly string[] => typeLists[version];

export const isResourceTypeOf = (version: FhirVersion, type: string): boolean => typeSets[version].has(type);

/** FHIR names a version in media types by its major.minor (`fhirVersion=4.0`); a full one (4.0.1) names its release. */
const BY_RELEASE: Record<string, FhirVersion> = { '4.0': '4.0.1', '5.0': '5.0.0' };

/**
 * The version one media type names with FHIR's `fhirVersion` parameter (`application/fhir+json; fhirVersion=5.0`,
 * http://hl7.org/fhir/R5/http.html#version-parameter): a version this server speaks (any 4.0.x is R4, 5.0.x R5), the
 * text as given when it speaks no such version, or undefined when the media type names none.
 */
export function mediaTypeFhirVersion(mediaType: string): string | undefined {
  const named = /;\s*fhirVersion\s*=\s*"?([^";,\s]+)"?/i.exec(mediaType)?.[1];
  if (named === undefined) return undefined;
  const release = /^(\d+\.\d+)(\.\d+)?$/.exec(named)?.[1];
  return release !== undefined && Object.hasOwn(BY_RELEASE, release) ? BY_RELEASE[release] : named;
}

/** The media type without its parameters, lower case: `application/fhir+ndjson`. */
export const mediaTypeEssence = (mediaType: string): string => mediaType.split(';')[0]!.trim().toLowerCase();
