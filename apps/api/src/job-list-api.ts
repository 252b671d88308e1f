import type { Config } from '@fhir-bulk/config';
import { JobListing } from '@fhir-bulk/jobs';
import type { Db } from 'mongodb';
import type { JobListDeps } from './routes/job-listing';

/** The job listing's dependencies from configuration; shared by main.ts and the test stack so both wire alike. */
export const createJobListApi = (
  config: Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>,
  db: Db,
): Omit<JobListDeps, 'publicBaseUrl'> => ({
  jobs: new JobListing(db),
  temporalUiUrl: config.TEMPORAL_UI_URL,
  temporalNamespace: config.TEMPORAL_NAMESPACE,
});
