export { compartmentsOf, extractSearchKeys, DATES_PRESENT, dateEndKey, dateStartKey, type SearchKeys } from './extract';
export { toMongoFilter, CONTROL_PARAMETERS, type SearchTranslation, type TranslateOptions } from './translate';
export {
  isResourceSearchParameter,
  RESOURCE_SEARCH_PARAMETERS,
  searchDefinitions,
  SearchDefinitions,
  type DeclaredSearchParameter,
  type SearchParameterDefinition,
  type SearchParamType,
} from './definitions';
export { evaluatePath } from './paths';
export { normalizeReference, referenceType } from './values';
export { parseDateRange, type DateRange } from './dates';
export type { Condition } from './date-filter';
