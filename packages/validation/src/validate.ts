import {
  FHIR_ID,
  type FhirResource,
  type FhirVersion,
  isResourceTypeOf,
  jsonShapeProblem,
  OperationOutcomeError,
} from '@fhir-bulk/fhir';
import { ajvIssues } from './ajv-issues';
import { issue, issuesToOutcome, showValue, type ValidationIssue } from './issue';
import { missingRequiredElements } from './required-elements';
import { validatorFor } from './schema';

export interface ValidateOptions {
  /** The type the URL names (PUT /Patient/1); the body must be of that type. */
  expectedType?: string;
  /** The body must carry an id (update). */
  requireId?: boolean;
  /** The body must not carry an id (e.g. where the server assigns it). */
  forbidId?: boolean;
  /** The FHIR version the resource must be of (its tenant's); R4, the default version, when not given. */
  fhirVersion?: FhirVersion;
}

/** More would bury the first problems, which are usually the cause of the rest. */
export const MAX_ISSUES = 20;

/**
 * Checks that `resource` is a well-formed FHIR resource of its version: a JSON object of a type the version has, a
 * JSON shape FHIR allows (jsonShapeProblem), a valid id, a shape the version's official JSON schema accepts, and the
 * top-level elements its StructureDefinition requires. Returns [] if it is.
 */
export function validateResource(resource: unknown, options: ValidateOptions = {}): ValidationIssue[] {
  const version = options.fhirVersion ?? '4.0.1';
  const rootIssue = checkResourceType(resource, options, version);
  if (rootIssue) return [rootIssue];
  const record = resource as FhirResource;
  const type = record.resourceType;
  // First, before the schema validator (which recurses) and the store (which cannot hold every JSON) see it.
  const shape = jsonShapeProblem(resource, type);
  if (shape) return [issue('structure', shape.path, `${shape.path} ${shape.message}`)];

  // The explicit checks word their findings better; the schema's findings at the same location are dropped.
  const explicit = [...checkId(record, type, options), ...requiredIssues(type, record, type, version)];
  const located = new Set(explicit.map((i) => i.expression));
  const validate = validatorFor(type, version);
  const schema = validate(resource) ? [] : ajvIssues(validate.errors ?? [], type, resource);
  return limit(dedupe([...explicit, ...schema.filter((i) => !located.has(i.expression))]), type);
}

/** Throws a 400 OperationOutcome with one issue per problem unless `resource` is valid. */
export function assertValidResource(resource: unknown, options?: ValidateOptions): asserts resource is FhirResource {
  const issues = validateResource(resource, options);
  if (issues.length > 0) throw new OperationOutcomeError(400, issuesToOutcome(issues));
}

function checkResourceType(
  resource: unknown,
  options: ValidateOptions,
  version: FhirVersion,
): ValidationIssue | undefined {
  if (resource === null || typeof resource !== 'object' || Array.isArray(resource)) {
    const at = options.expectedType ?? 'Resource';
    return issue('structure', at, `Expected a JSON object with a resourceType, got ${showValue(resource)}`);
  }
  const type: unknown = (resource as Record<string, unknown>).resourceType;
  if (type === undefined) return issue('required', 'resourceType', "Missing required element 'resourceType'");
  if (typeof type !== 'string' || !isResourceTypeOf(version, type)) {
    return issue('value', 'resourceType', `Unknown resource type ${showValue(type)} in FHIR ${version}`);
  }
  if (options.expectedType !== undefined && type !== options.expectedType) {
    return issue(
      'invalid',
      'resourceType',
      `Resource type '${type}' does not match the expected '${options.expectedType}'`,
    );
  }
  return undefined;
}

function checkId(resource: FhirResource, type: string, options: ValidateOptions): ValidationIssue[] {
  const id: unknown = resource.id;
  const at = `${type}.id`;
  if (id === undefined) return options.requireId ? [issue('required', at, "Missing required element 'id'")] : [];
  if (options.forbidId) return [issue('invalid', at, "Element 'id' must not be present here")];
  if (typeof id !== 'string') return [issue('value', at, `Invalid id ${showValue(id)}: expected a JSON string`)];
  if (!FHIR_ID.test(id))
    return [issue('value', at, `Invalid id ${showValue(id)}: expected 1-64 letters, digits, '-' or '.'`)];
  return [];
}

/** Required elements of the resource and of the resources inside it (contained, Bundle entries). */
function requiredIssues(
  type: string,
  resource: Record<string, unknown>,
  at: string,
  version: FhirVersion,
): ValidationIssue[] {
  const issues = missingRequiredElements(type, resource, at, version);
  const visit = (nested: unknown, nestedAt: string) => {
    if (nested === null || typeof nested !== 'object' || Array.isArray(nested)) return;
    const nestedType: unknown = (nested as Record<string, unknown>).resourceType;
    // A missing or unknown type there is the schema's finding; without a type there is no table to check.
    if (typeof nestedType === 'string' && isResourceTypeOf(version, nestedType)) {
      issues.push(...requiredIssues(nestedType, nested as Record<string, unknown>, nestedAt, version));
    }
  };
  if (Array.isArray(resource.contained)) resource.contained.forEach((c, i) => visit(c, `${at}.contained[${i}]`));
  if (type === 'Bundle' && Array.isArray(resource.entry)) {
    resource.entry.forEach((entry: unknown, i) => {
      if (entry !== null && typeof entry === 'object')
        visit((entry as Record<string, unknown>).resource, `${at}.entry[${i}].resource`);
    });
  }
  return issues;
}

function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.expression}\u0000${i.diagnostics}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function limit(issues: ValidationIssue[], type: string): ValidationIssue[] {
  if (issues.length <= MAX_ISSUES) return issues;
  const shown = issues.slice(0, MAX_ISSUES - 1);
  return [...shown, issue('invalid', type, `${issues.length - shown.length} more issues not shown`)];
}
