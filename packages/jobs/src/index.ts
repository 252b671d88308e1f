export * from './job-records';
export * from './patient-sets';
