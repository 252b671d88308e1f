import { BackendServicesClient } from '@fhir-bulk/auth';
import type { ExportManifest, ManifestOutput } from '@fhir-bulk/export';
import type { OperationOutcome } from '@fhir-bulk/fhir';
import { type BulkStack, type ExportedLine, pollUntilDone } from '@fhir-bulk/test-support';

/**
 * The Bulk Data requests of the conformance suite, sent over HTTP with the suite client's real SMART access token
 * as any client sends them, and the IG's shapes for the answers.
 */

type Send = (url: string, init?: RequestInit) => Promise<Response>;

/** What the IG asks a client to send with a kick-off ("Headers"). */
export const ASYNC_HEADERS = { Accept: 'application/fhir+json', Prefer: 'respond-async' };

export interface KickoffOptions {
  /** Sent as a POST `Parameters` body; a GET otherwise. */
  parameters?: object[];
  /** Replace ASYNC_HEADERS. */
  headers?: Record<string, string>;
  /** How the request goes out (default: the suite client's `fetch`). */
  send?: Send;
}

/** Sends a kick-off to `path` (`/tenant/t/$export?_type=Patient`) and returns the raw response. */
export function kickoff(
  stack: Pick<BulkStack, 'baseUrl' | 'fetch'>,
  path: string,
  { parameters, headers = ASYNC_HEADERS, send = stack.fetch }: KickoffOptions = {},
): Promise<Response> {
  if (!parameters) return send(`${stack.baseUrl}${path}`, { headers });
  return send(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify({ resourceType: 'Parameters', parameter: parameters }),
  });
}

/** Kicks off and returns the status URL, asserting the IG's success response (202 + absolute Content-Location). */
export async function kickoffAccepted(
  stack: Pick<BulkStack, 'baseUrl' | 'fetch'>,
  path: string,
  options: KickoffOptions = {},
): Promise<string> {
  const response = await kickoff(stack, path, options);
  const body = await response.text();
  expect({ status: response.status, body }).toEqual({ status: 202, body: expect.any(String) });
  const location = response.headers.get('content-location');
  expect(location).toMatch(/^https?:\/\/[^/]+\/\S+$/);
  return location!;
}

/** A completed export as the status request answered it: the 200 response's headers and its manifest. */
export interface Completed {
  statusUrl: string;
  response: Response;
  manifest: ExportManifest;
  /** When the kick-off was sent, and when the manifest arrived (bounds for transactionTime). */
  sentAt: number;
  doneAt: number;
}

/** Kicks off at `path` and polls the status URL (with the client's Accept: application/json) until it completes. */
export async function exportCompleted(
  stack: Pick<BulkStack, 'baseUrl' | 'fetch'>,
  path: string,
  options: KickoffOptions = {},
): Promise<Completed> {
  const sentAt = Date.now();
  const statusUrl = await kickoffAccepted(stack, path, options);
  const response = await pollUntilDone(statusUrl, (url) => stack.fetch(url, { headers: STATUS_HEADERS }));
  const text = await response.text();
  expect({ status: response.status, body: text }).toEqual({ status: 200, body: expect.any(String) });
  return { statusUrl, response, manifest: JSON.parse(text) as ExportManifest, sentAt, doneAt: Date.now() };
}

/** IG, Bulk Data Status Request: "the client SHOULD use an Accept header indicating a content type of application/json". */
export const STATUS_HEADERS = { Accept: 'application/json' };

/**
 * The IG's error response: HTTP 4XX or 5XX, `Content-Type: application/fhir+json`, and an OperationOutcome body
 * with at least one error issue. `status` narrows the expected code.
 */
export async function expectOutcome(response: Response, status?: number): Promise<OperationOutcome> {
  const text = await response.text();
  const observed = { status: response.status, type: response.headers.get('content-type'), text };
  expect(observed).toEqual({
    status: status ?? expect.any(Number),
    type: expect.stringMatching(/^application\/fhir\+json/),
    text: expect.any(String),
  });
  expect(response.status).toBeGreaterThanOrEqual(400);
  const outcome = JSON.parse(text) as OperationOutcome;
  expect(outcome.resourceType).toBe('OperationOutcome');
  expect(outcome.issue).toContainEqual(expect.objectContaining({ severity: expect.stringMatching(/^(error|fatal)$/) }));
  return outcome;
}

/** A downloaded output file: the response's headers and the file's parsed NDJSON lines. */
export interface Download {
  response: Response;
  lines: ExportedLine[];
}

/** GETs a manifest entry's file as the manifest says to (with the token when it requires one). */
export async function download(stack: Pick<BulkStack, 'fetch'>, manifest: ExportManifest, entry: ManifestOutput) {
  const send: Send = manifest.requiresAccessToken ? stack.fetch : fetch;
  const response = await send(entry.url, { headers: { Accept: 'application/fhir+ndjson' } });
  const text = await response.text();
  expect({ url: entry.url, status: response.status }).toEqual({ url: entry.url, status: 200 });
  const lines = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ExportedLine);
  return { response, lines };
}

/** Every line of these entries' files, in manifest order. */
export async function linesOf(stack: Pick<BulkStack, 'fetch'>, manifest: ExportManifest, entries: ManifestOutput[]) {
  const downloads = await Promise.all(entries.map((entry) => download(stack, manifest, entry)));
  return downloads.flatMap((d) => d.lines);
}

/** A FHIR instant (xs:dateTime with seconds and a zone), as transactionTime and _since are. */
export const FHIR_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The suite client itself, with a token asking for `scope` only (narrower than the client registered). */
export const clientWithScope = (stack: Pick<BulkStack, 'baseUrl' | 'auth'>, scope: string) =>
  new BackendServicesClient({
    clientId: stack.auth.clientId,
    tokenUrl: `${stack.baseUrl}/auth/token`,
    privateJwk: stack.auth.keys.privateJwk,
    scope,
  });
