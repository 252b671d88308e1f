/**
 * Turns ajv's errors (JSON Pointers, schema jargon) into FHIR-style issues: a FHIRPath-ish location, an IssueType code
 * and a sentence that shows the offending value.
 */
import { type ErrorObject } from 'ajv';
import { issue, showValue, type ValidationIssue } from './issue';

/** `/name/0/given/1` → `Patient.name[0].given[1]`. */
export function pointerToExpression(root: string, pointer: string): string {
  let expression = root;
  for (const segment of pointerSegments(pointer)) {
    expression += /^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`;
  }
  return expression;
}

function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value an error points at, so the diagnostics can show it (cheaper than ajv's `verbose` on every call). */
function valueAt(data: unknown, pointer: string): unknown {
  let value = data;
  for (const segment of pointerSegments(pointer)) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** `#/definitions/date/pattern` → `date`: the FHIR primitive whose rule failed, which reads better than "pattern". */
function primitiveOf(schemaPath: string): string | undefined {
  return /#\/definitions\/([a-z][A-Za-z]*)\/[A-Za-z]+$/.exec(schemaPath)?.[1];
}

/** What the schema's regular expressions for the common primitives expect, in words. */
const FORMAT_HINTS: Record<string, string> = {
  date: 'expected YYYY, YYYY-MM or YYYY-MM-DD',
  dateTime: 'expected YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone',
  instant: 'expected YYYY-MM-DDThh:mm:ss with a time zone',
  time: 'expected hh:mm:ss',
  id: "expected 1-64 letters, digits, '-' or '.'",
  string: 'must not be empty',
  code: 'must not be empty or have leading, trailing or double spaces',
};

const MAX_ALLOWED_SHOWN = 10;

function mapError(error: ErrorObject, root: string, data: unknown): ValidationIssue | undefined {
  const params: Record<string, unknown> = error.params;
  const at = pointerToExpression(root, error.instancePath);
  const value = () => showValue(valueAt(data, error.instancePath));
  const primitive = primitiveOf(error.schemaPath);

  switch (error.keyword) {
    case 'additionalProperties':
      return issue(
        'structure',
        `${at}.${String(params.additionalProperty)}`,
        `Unknown element '${String(params.additionalProperty)}'`,
      );
    case 'required':
      return issue(
        'required',
        `${at}.${String(params.missingProperty)}`,
        `Missing required element '${String(params.missingProperty)}'`,
      );
    case 'type': {
      const expected = `a JSON ${String(params.type)}`;
      const diagnostics = primitive
        ? `Invalid ${primitive} ${value()}: expected ${expected}`
        : `Expected ${expected}, got ${value()}`;
      return issue('value', at, diagnostics);
    }
    case 'pattern': {
      const hint = primitive ? FORMAT_HINTS[primitive] : undefined;
      return issue('value', at, `Invalid ${primitive ?? 'value'} ${value()}${hint ? `: ${hint}` : ''}`);
    }
    case 'enum': {
      const allowed = Array.isArray(params.allowedValues) ? params.allowedValues.map(String) : [];
      const list = allowed.length > MAX_ALLOWED_SHOWN ? [...allowed.slice(0, MAX_ALLOWED_SHOWN), '...'] : allowed;
      return issue('value', at, `Invalid code ${value()}: expected one of ${list.join(', ')}`);
    }
    case 'const':
      return issue('value', at, `Invalid value ${value()}: expected ${showValue(params.allowedValue)}`);
    case 'minimum':
      return issue('value', at, `Invalid ${primitive ?? 'value'} ${value()}: must be at least ${String(params.limit)}`);
    case 'discriminator': {
      // A contained resource / Bundle entry whose resourceType is missing is already reported by `required`.
      const tag = valueAt(data, `${error.instancePath}/resourceType`);
      if (tag === undefined) return undefined;
      const diagnostics =
        params.error === 'mapping' ? `Unknown resource type ${showValue(tag)}` : `resourceType must be a string`;
      return issue('value', `${at}.resourceType`, diagnostics);
    }
    case 'oneOf':
      return issue('structure', at, 'Value does not match any allowed type');
    default:
      return issue('invalid', at, `${error.message ?? error.keyword}`);
  }
}

/** Maps ajv errors for a resource of type `root`; `data` is the validated resource (to quote bad values). */
export function ajvIssues(errors: readonly ErrorObject[], root: string, data: unknown): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    // "must match exactly one schema" says nothing when a branch already explained what is wrong at or below it.
    if (error.keyword === 'oneOf' && errors.some((e) => e !== error && isWithin(e.instancePath, error.instancePath))) {
      continue;
    }
    const mapped = mapError(error, root, data);
    if (mapped) issues.push(mapped);
  }
  return issues;
}

const isWithin = (pointer: string, parent: string) => pointer === parent || pointer.startsWith(`${parent}/`);
