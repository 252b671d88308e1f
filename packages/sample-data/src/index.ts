export {
  generatePopulation,
  DEFAULT_REFERENCE_DATE,
  DEFAULT_SEED,
  GROUP_MEMBER_LIMIT,
  type PopulationOptions,
} from './population';
export type { FhirResource } from './fhir';
export { Random, mulberry32, deriveSeed } from './random';
export * from './vocabulary';
export { loadPopulation, type LoadOptions } from './load';
export { sampleView, SAMPLE_VIEW_IDS, type SampleViewId } from './views';
export { inFhirVersion } from './r5';
