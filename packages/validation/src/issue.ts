import { type OperationOutcome } from '@fhir-bulk/fhir';

/** One problem found in a resource; `expression` is a FHIRPath-style location such as `Patient.name[0].given[1]`. */
export interface ValidationIssue {
  severity: 'error';
  code: 'structure' | 'required' | 'value' | 'invalid';
  diagnostics: string;
  expression: string;
}

export function issue(code: ValidationIssue['code'], expression: string, diagnostics: string): ValidationIssue {
  return { severity: 'error', code, diagnostics, expression };
}

/** One OperationOutcome issue per problem, so clients can show each at its location. */
export function issuesToOutcome(issues: readonly ValidationIssue[]): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: issues.map((i) => ({
      severity: i.severity,
      code: i.code,
      diagnostics: i.diagnostics,
      expression: [i.expression],
    })),
  };
}

const MAX_SHOWN = 60;

const truncate = (text: string): string => (text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text);

/** A short rendering of a bad value for diagnostics; long values are cut so one huge string cannot flood the outcome. */
export function showValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `'${truncate(value)}'`;
  return truncate(String(value));
}
