import { type FhirResource, type FhirVersion, type OperationOutcome, outcome } from '@fhir-bulk/fhir';
import { issuesToOutcome, validateResource } from '@fhir-bulk/validation';

/** Where an error line's problem is, for machines: the line number and the input file it is in. */
export const IMPORT_LINE_EXTENSION = 'https://fhir-bulk.dev/fhir/StructureDefinition/import-line';
export const IMPORT_INPUT_EXTENSION = 'https://fhir-bulk.dev/fhir/StructureDefinition/import-input';

export type ParsedLine = { resource: FhirResource & { id: string } } | { problem: OperationOutcome };

/**
 * One line of an NDJSON input file of `expectedType`: the resource, or why it cannot be imported. Ids are required
 * because the import writes each resource under its id, which is what lets a resumed file write a line again
 * without creating the resource twice.
 */
export function parseImportLine(text: string, expectedType: string, fhirVersion: FhirVersion): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: outcome('error', 'structure', `Not JSON: ${(error as Error).message}`, expectedType) };
  }
  const issues = validateResource(value, { expectedType, requireId: true, fhirVersion });
  if (issues.length > 0) return { problem: issuesToOutcome(issues) };
  return { resource: value as FhirResource & { id: string } };
}

/**
 * The error file's line for a bad input line (NDJSON, no newline): its OperationOutcome, each issue saying where
 * for people, and extensions saying it for machines.
 */
export function errorLine(problem: OperationOutcome, at: { inputUrl: string; line: number }): string {
  const where = `Line ${at.line} of ${at.inputUrl}: `;
  const located: OperationOutcome = {
    resourceType: 'OperationOutcome',
    extension: [
      { url: IMPORT_LINE_EXTENSION, valueInteger: at.line },
      { url: IMPORT_INPUT_EXTENSION, valueUri: at.inputUrl },
    ],
    issue: problem.issue.map((issue) => ({ ...issue, diagnostics: where + (issue.diagnostics ?? issue.code) })),
  };
  return JSON.stringify(located);
}

/** A line whose bytes are not UTF-8 (line-reader.ts): NDJSON is UTF-8, and guessing would alter the data. */
export const notUtf8Problem = (): OperationOutcome =>
  outcome('error', 'structure', 'The line is not valid UTF-8 (NDJSON files are UTF-8); it was not imported');

/** A line the reader skipped unread (line-reader.ts), so memory stays bounded whatever a file holds. */
export function tooLongProblem(bytes: number, maxBytes: number): OperationOutcome {
  return outcome(
    'error',
    'too-costly',
    `The line is ${bytes} bytes long; this server reads lines of at most ${maxBytes}`,
  );
}
