import { isResourceTypeOf, resourceTypesOf } from './fhir-versions';

// R4's resource types, for the code that does not yet know its tenant's version (issue 15 moves it onto
// resourceTypesOf / isResourceTypeOf).
export const R4_RESOURCE_TYPES: readonly string[] = resourceTypesOf('4.0.1');
export const isResourceType = (type: string): boolean => isResourceTypeOf('4.0.1', type);
