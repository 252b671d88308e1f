export * from './api-metrics';
export * from './metrics-server';
export * from './recorders';
export * from './registry';
export * from './worker-metrics';
