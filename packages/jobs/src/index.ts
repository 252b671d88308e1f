export * from './job-records';
export * from './job-urls';
export * from './patient-sets';
export * from './job-listing';
