import {
  type MongoBulkWriteError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';

/** A write lost a race or failed an If-Match check; the API answers 409/412 depending on which. */
export class VersionConflictError extends Error {
  constructor(
    readonly type: string,
    readonly id: string,
    readonly expected: number,
    readonly actual: number | undefined,
    /** True when an If-Match check failed (412); false when another writer won a race (409). */
    readonly precondition: boolean,
  ) {
    super(`${type}/${id}: expected version ${expected}, found ${actual ?? 'another writer'}`);
    this.name = 'VersionConflictError';
  }
}

/**
 * Whether a MongoDB error means the database could not be reached (worth retrying the same request later), as
 * opposed to the database refusing the request itself.
 */
export const isMongoUnreachable = (error: unknown): boolean =>
  error instanceof MongoNetworkError ||
  error instanceof MongoServerSelectionError ||
  error instanceof MongoNotConnectedError ||
  error instanceof MongoTopologyClosedError;

/** The per-document errors of an unordered bulk insert (the driver gives one or a list). */
export function writeErrorsOf(error: unknown): Array<{ index: number; code: unknown; errmsg?: string }> {
  const writeErrors = (error as Partial<MongoBulkWriteError>).writeErrors;
  if (writeErrors === undefined) return [];
  return Array.isArray(writeErrors) ? [...writeErrors] : [writeErrors as { index: number; code: unknown }];
}
