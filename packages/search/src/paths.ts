/**
 * Evaluates a simplified element path (`name.family`, `subject`, `effectiveDateTime`, `component.code`) on FHIR
 * JSON: at every step arrays are flattened, so `name.given` on a Patient yields every given name of every name.
 * Choice elements are expanded by the generator, hence no FHIRPath engine is needed at write time.
 */
export function evaluatePath(resource: unknown, path: string): unknown[] {
  let current: unknown[] = [resource];
  for (const segment of path.split('.')) {
    const next: unknown[] = [];
    for (const item of current) {
      if (!isObject(item)) continue;
      const child = item[segment];
      for (const value of Array.isArray(child) ? child : [child]) {
        if (value !== undefined && value !== null) next.push(value);
      }
    }
    current = next;
  }
  return current;
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
