export * from './bulk-load';
export * from './errors';
export * from './mongo';
export * from './resource-document';
export * from './resource-store';
export * from './stream-query';
export * from './transaction';
export * from './server-kind';
