export * from './export-job';
export * from './kickoff';
export * from './manifest';
export * from './ndjson';
export * from './output-files';
