/** The innermost message of a failure: activity failures wrap the activity's own error in `cause`. */
export function messageOf(error: unknown): string {
  let current: unknown = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  return current instanceof Error ? current.message : String(current);
}
