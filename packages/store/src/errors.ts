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
