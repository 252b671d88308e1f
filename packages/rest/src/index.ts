export * from './bundle';
export * from './crud';
export * from './fhir-response';
export * from './history-and-search';
export * from './rest-context';
export * from './resource-capability';
