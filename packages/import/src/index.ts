export * from './import-job';
export * from './import-files';
export * from './import-result';
export * from './import-progress';
export * from './kickoff';
export * from './source-policy';
export * from './import-line';
export * from './line-reader';
