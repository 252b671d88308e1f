export * from './resource-document';
export * from './resource-store';
export * from './mongo';
