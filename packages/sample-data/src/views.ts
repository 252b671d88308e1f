import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * ViewDefinitions over the sample population (SQL on FHIR v2), as JSON files in `views/` so clients can PUT them
 * as they are: `patient-demographics` (one row per Patient) and `observation-values` (one row per measured value,
 * a blood pressure giving two through `forEach: component`). Used by `npm start`, the tests and the benchmark.
 */
export const SAMPLE_VIEW_IDS = ['patient-demographics', 'observation-values'] as const;
export type SampleViewId = (typeof SAMPLE_VIEW_IDS)[number];

export function sampleView(id: SampleViewId): Record<string, unknown> & { id: string; resource: string } {
  return JSON.parse(readFileSync(join(__dirname, '..', 'views', `${id}.json`), 'utf8'));
}
