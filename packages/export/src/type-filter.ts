import { badRequest, type FhirVersion, isResourceTypeOf, OperationOutcomeError } from '@fhir-bulk/fhir';
import { toMongoFilter } from '@fhir-bulk/search';
import type { Handling } from './handling';

/**
 * IG 2.0.0 made `_typeFilter` "a comma-separated list of FHIR REST API queries"; 3.0.0 repeats the parameter instead,
 * and a comma inside a query is a search OR (`status=active,completed`). A comma starts a new query only where a
 * resource type and `?` follow, which keeps 2.0.0 clients working without splitting 3.0.0 values.
 */
const NEXT_QUERY = /,(?=[A-Z][A-Za-z]*\?)/;
const QUERY = /^([A-Z][A-Za-z]*)\?(.+)$/s;

/**
 * The `_typeFilter` queries (each `Type?query`) by type, each validated against the search tables. Only types in
 * `types` keep their filters: IG 3.0.0's processing model first excludes "resource of types not listed in `_type`",
 * then filters "for each resource type in export", so a filter on another type selects nothing and is only noted.
 *
 * A query the server cannot run (unknown search parameter, modifier or value) is a 400, or under lenient handling
 * leaves its type unfiltered: the IG tells clients to "be robust to servers that ignore `_typeFilter`", so exporting
 * more than asked is the safe side, while dropping one ORed query would silently export less.
 */
export function parseTypeFilters(
  values: string[],
  types: readonly string[],
  handling: Handling,
  version: FhirVersion,
): Record<string, string[]> {
  const filters: Record<string, string[]> = {};
  const unfiltered = new Set<string>();
  for (const [type, query] of values.flatMap((value) => value.split(NEXT_QUERY)).map(splitTypeFilter)) {
    if (!isResourceTypeOf(version, type)) {
      const message = `_typeFilter ${type}?${query}: ${type} is not a FHIR ${version} resource type`;
      handling.unsupported('_typeFilter', message, badRequest);
      continue;
    }
    const problem = problemOf(type, query, version);
    if (problem) {
      // Strict: the 400 names the query; lenient: the note also says what the server did instead.
      handling.unsupported('_typeFilter', `${problem}; ${type} is exported unfiltered`, () =>
        badRequest(problem, '_typeFilter'),
      );
      unfiltered.add(type);
    } else if (!types.includes(type)) {
      handling.note(
        '_typeFilter',
        `_typeFilter ${type}?${query} has no effect: ${type} is not among the exported types`,
      );
    } else if (!filters[type]?.includes(query)) {
      (filters[type] ??= []).push(query);
    }
  }
  for (const type of unfiltered) delete filters[type];
  return filters;
}

function splitTypeFilter(value: string): [type: string, query: string] {
  const match = QUERY.exec(value.trim());
  if (!match) throw badRequest(`_typeFilter "${value}" is not a query of the form Type?name=value`, '_typeFilter');
  return [match[1]!, match[2]!];
}

/**
 * The search parameters of a `_typeFilter` query, as the worker must read them too. The query arrives with the
 * kick-off's own URL encoding removed; its names and values may still be encoded once more (the IG's example
 * encodes each query before putting it in the URL), so each is decoded here. `+` stays a plus, as in `+01:00`.
 */
export function typeFilterParameters(query: string): Array<[name: string, value: string]> {
  return query.split('&').map((pair) => {
    const equals = pair.indexOf('=');
    const name = decode(equals < 0 ? pair : pair.slice(0, equals));
    if (name === '' || equals < 0) {
      throw badRequest(`_typeFilter parameter "${pair}" needs a name and a value`, '_typeFilter');
    }
    return [name, decode(pair.slice(equals + 1))];
  });
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw badRequest(`_typeFilter "${text}" is not correctly URL-encoded`, '_typeFilter');
  }
}

/** Why the server cannot run `type?query`, or undefined. Malformed queries and result parameters throw (400). */
function problemOf(type: string, query: string, version: FhirVersion): string | undefined {
  const parameters = typeFilterParameters(query);
  let translation;
  try {
    translation = toMongoFilter(type, parameters, { version });
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    return `_typeFilter ${type}?${query}: ${error.message}`;
  }
  const control = Object.keys(translation.control);
  if (control.length > 0) {
    // IG 3.0.0: "FHIR search result parameters (such as _sort, _include, and _elements) SHALL NOT be used".
    const message = `_typeFilter ${type}?${query}: search result parameters are not allowed (${control.join(', ')})`;
    throw badRequest(message, '_typeFilter');
  }
  return undefined;
}
