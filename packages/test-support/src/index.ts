export * from './services';
export * from './bulk-stack';
export * from './fhir-client';
export * from './processes';
export * from './export-output';
export * from './import-input';
export * from './write-instants';
export * from './status-poll';
