export * from './queries';
export * from './workflows';
