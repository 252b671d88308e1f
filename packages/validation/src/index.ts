export { assertValidResource, MAX_ISSUES, validateResource, type ValidateOptions } from './validate';
export { issuesToOutcome, type ValidationIssue } from './issue';
export { pointerToExpression } from './ajv-issues';
export { requiredElements, type RequiredElement } from './required-elements';
export { warmUpSchema } from './schema';
