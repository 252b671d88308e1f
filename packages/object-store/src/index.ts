export * from './object-store';
export * from './part-uploads';
export * from './s3-object-store';
export * from './from-config';
export { EncryptingObjectStore } from './encryption/encrypting-object-store';
export { ObjectIntegrityError, UnknownMasterKeyError } from './encryption/errors';
