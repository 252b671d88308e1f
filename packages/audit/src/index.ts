export * from './audit-event';
export * from './audit-trail';
export * from './codes';
export * from './job-events';
export * from './request-class';
export * from './request-events';
export * from './store-sink';
export * from './token-events';
