import {
  FHIR_VERSIONS,
  isFhirVersion,
  isResourceTypeOf,
  mediaTypeEssence,
  mediaTypeFhirVersion,
  resourceTypesOf,
} from '../src';

describe('FHIR versions', () => {
  it("lists each version's concrete resource types from its definitions: R4 146, R5 158", () => {
    expect(FHIR_VERSIONS).toEqual(['4.0.1', '5.0.0']);
    expect(resourceTypesOf('4.0.1')).toHaveLength(146);
    expect(resourceTypesOf('5.0.0')).toHaveLength(158);
    for (const version of FHIR_VERSIONS) {
      expect([...resourceTypesOf(version)].sort()).toEqual(resourceTypesOf(version));
      expect(resourceTypesOf(version)).not.toContain('DomainResource'); // abstract
    }
    expect(isResourceTypeOf('4.0.1', 'DeviceUseStatement')).toBe(true);
    expect(isResourceTypeOf('5.0.0', 'DeviceUseStatement')).toBe(false);
    expect(isResourceTypeOf('5.0.0', 'DeviceUsage')).toBe(true);
    expect(isResourceTypeOf('4.0.1', 'Media')).toBe(true);
    expect(isResourceTypeOf('5.0.0', 'Media')).toBe(false);
    expect(isResourceTypeOf('5.0.0', 'constructor')).toBe(false);
  });

  it('knows only the versions it speaks', () => {
    expect(isFhirVersion('5.0.0')).toBe(true);
    expect(isFhirVersion('4.3.0')).toBe(false);
  });

  it("reads a media type's fhirVersion parameter as the version it means", () => {
    expect(mediaTypeFhirVersion('application/fhir+json; fhirVersion=5.0')).toBe('5.0.0');
    expect(mediaTypeFhirVersion('application/fhir+ndjson;fhirversion="4.0"')).toBe('4.0.1');
    expect(mediaTypeFhirVersion('application/fhir+json; charset=utf-8; fhirVersion=4.0.1')).toBe('4.0.1');
    expect(mediaTypeFhirVersion('application/fhir+json; fhirVersion=3.0')).toBe('3.0');
    // A release's technical versions name the release, as the $bulk-submit format check always took them.
    expect(mediaTypeFhirVersion('application/fhir+ndjson; fhirVersion=4.0.0')).toBe('4.0.1');
    expect(mediaTypeFhirVersion('application/fhir+json; fhirVersion=4.3.0')).toBe('4.3.0');
    expect(mediaTypeFhirVersion('application/fhir+json')).toBeUndefined();
    expect(mediaTypeEssence(' Application/FHIR+NDJSON ; fhirVersion=5.0')).toBe('application/fhir+ndjson');
  });
});
