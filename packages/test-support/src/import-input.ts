import type { S3ObjectStore } from '@fhir-bulk/object-store';
import type { BulkStack } from './bulk-stack';

/** An NDJSON import file made for a test: its text, the ids of its good lines and the numbers of its bad ones. */
export interface ImportFile {
  text: string;
  goodIds: string[];
  badLines: number[];
}

/** Four kinds of bad line, in turn: not JSON, wrong type for the file, schema-invalid, and without an id. */
const BAD_LINES = [
  () => '{"resourceType": "Patient", "id": ',
  (type: string) => JSON.stringify({ resourceType: type === 'Patient' ? 'Observation' : 'Patient', id: 'x' }),
  (type: string, id: string) => JSON.stringify({ resourceType: type, id, active: 'very' }),
  (type: string) => JSON.stringify({ resourceType: type }),
];

/** A valid resource of `type` (Patient or Observation) with id `id`; `version` changes its content. */
export function testResource(type: string, id: string, version = 1): Record<string, unknown> {
  return type === 'Observation'
    ? {
        resourceType: type,
        id,
        status: 'final',
        code: { text: `heart rate v${version}` },
        subject: { reference: 'Patient/p0' },
      }
    : {
        resourceType: type,
        id,
        gender: 'female',
        birthDate: `19${String(50 + (version % 50)).padStart(2, '0')}-01-01`,
      };
}

/**
 * `lines` lines of `type`, every `badEvery`-th one bad (0: none), ids `${prefix}${n}`. Line numbers start at 1 as
 * in the import's error reports.
 */
export function importFile(type: string, lines: number, { badEvery = 10, prefix = 'r', version = 1 } = {}): ImportFile {
  const out: string[] = [];
  const goodIds: string[] = [];
  const badLines: number[] = [];
  for (let line = 1; line <= lines; line++) {
    const id = `${prefix}${line}`;
    if (badEvery > 0 && line % badEvery === 0) {
      out.push(BAD_LINES[(line / badEvery) % BAD_LINES.length]!(type, id));
      badLines.push(line);
    } else {
      out.push(JSON.stringify(testResource(type, id, version)));
      goodIds.push(id);
    }
  }
  return { text: `${out.join('\n')}\n`, goodIds, badLines };
}

/** Puts `text` in the suite's input bucket; returns its `s3://` URL. */
export async function putInput(inputs: S3ObjectStore, key: string, text: string): Promise<string> {
  await inputs.put(key, text, 'application/fhir+ndjson');
  return `s3://${inputs.bucket}/${key}`;
}

/**
 * POSTs an $import kick-off with `send` (a stack's `fetch`); returns the response (202 with Content-Location, or
 * an OperationOutcome).
 */
export function kickoffImport(
  baseUrl: string,
  send: BulkStack['fetch'],
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return send(`${baseUrl}/$import`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/fhir+json', Prefer: 'respond-async', ...headers },
    body: JSON.stringify(body),
  });
}

/** Kicks off an import (with `send`) that must be accepted; returns its status URL and job id. */
export async function startImport(
  baseUrl: string,
  send: BulkStack['fetch'],
  body: unknown,
): Promise<{ statusUrl: string; jobId: string }> {
  const response = await kickoffImport(baseUrl, send, body);
  if (response.status !== 202) throw new Error(`$import answered ${response.status}: ${await response.text()}`);
  const statusUrl = response.headers.get('content-location')!;
  return { statusUrl, jobId: statusUrl.split('/').pop()! };
}

/** Parsed lines of an NDJSON body. */
export const ndjsonLines = (text: string) =>
  text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

/** The line number an import error file's OperationOutcome carries (extension import-line). */
export function importLineOf(outcome: Record<string, unknown>): number {
  const extension = outcome.extension as Array<{ url: string; valueInteger?: number }>;
  return extension.find((e) => e.url.endsWith('/import-line'))!.valueInteger!;
}
