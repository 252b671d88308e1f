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
