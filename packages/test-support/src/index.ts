export * from './services';
export * from './bulk-stack';
export * from './fhir-client';
