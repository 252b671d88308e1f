import { MongoNetworkError, MongoServerSelectionError } from 'mongodb';
import { isBackendOutage } from '../src/backend-outage';

const withCause = (message: string, cause: unknown) => Object.assign(new Error(message), { cause });
const withCode = (message: string, code: unknown, name = 'Error') => Object.assign(new Error(message), { code, name });

describe('isBackendOutage', () => {
  it.each([
    [
      'MongoDB not reachable for server selection',
      new MongoServerSelectionError('Server selection timed out', { servers: new Map() } as never),
    ],
    ['a MongoDB connection dropped', new MongoNetworkError('reset')],
    [
      'S3 refusing connections (the SDK wraps the socket error)',
      withCause('fetch failed', withCode('x', 'ECONNREFUSED')),
    ],
    ['Temporal unavailable (gRPC 14)', withCode('14 UNAVAILABLE', 14, 'ServiceError')],
  ])('is true for %s', (_what, error) => {
    expect(isBackendOutage(error)).toBe(true);
  });

  it.each([
    ['a programming error', new TypeError('x is undefined')],
    ['a duplicate key', withCode('E11000', 11000, 'MongoServerError')],
    ['a gRPC invalid argument', withCode('3 INVALID_ARGUMENT', 3, 'ServiceError')],
    ['a non-error', 'boom'],
  ])('is false for %s', (_what, error) => {
    expect(isBackendOutage(error)).toBe(false);
  });
});
