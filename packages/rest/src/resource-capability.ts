import type { FhirVersion, ResourceCapability } from '@fhir-bulk/fhir';
import { searchDefinitions } from '@fhir-bulk/search';
import { SEARCH_RESULT_PARAMETERS } from './history-and-search';
import type { RestInteraction } from './rest-context';

/**
 * What the CapabilityStatement declares for `type`, given the interactions the API routes to these handlers: the
 * handlers' behaviour (update() keeps versions, takes If-Match and creates with the client's id; vread reads any
 * version) and, for search, every parameter toMongoFilter translates plus the result parameters search() honours.
 * Conditional interactions (`?` URLs, If-None-Exist) are refused, so none is declared.
 */
export function resourceCapability(
  type: string,
  interactions: readonly RestInteraction[],
  version: FhirVersion,
): ResourceCapability {
  const has = (interaction: RestInteraction) => interactions.includes(interaction);
  return {
    type,
    interaction: interactions.map((code) => ({ code })),
    ...(has('update') ? { versioning: 'versioned-update', updateCreate: true } : {}),
    ...(has('vread') ? { readHistory: true } : {}),
    ...(has('search-type')
      ? {
          searchParam: [
            ...searchDefinitions(version).declared(type),
            ...SEARCH_RESULT_PARAMETERS.map((p) => ({ ...p })),
          ],
        }
      : {}),
  };
}
