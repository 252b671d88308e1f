export * from './outcome';
export * from './capability-statement';
export * from './resource';
export * from './fhir-versions';
export * from './audit-event';
export * from './prefer';
export * from './parameters';
export * from './json-shape';
