export * from './services';
export * from './bulk-stack';
