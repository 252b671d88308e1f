/** Whether a `Prefer` header (preferences separated by commas, semicolons or spaces) holds `token`, e.g. `respond-async`. */
export function preferHas(prefer: string | undefined, token: string): boolean {
  return (prefer ?? '').split(/[\s,;]+/).includes(token);
}
