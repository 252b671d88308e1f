import { importKickoffBody, type ImportResult } from '@fhir-bulk/import';
import {
  type BulkStack,
  importFile,
  pollProgressUntil,
  pollUntilDone,
  startBulkStack,
  startImport,
  workerWarnings,
} from '@fhir-bulk/test-support';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A file that stops moving is noticed: its source stops sending halfway (a hung server, a stuck network), and after
 * IMPORT_STALL_WARNING_SECONDS the worker logs a warning and status polls say the file makes no progress. Once the
 * source sends again, the import finishes with every resource.
 */
const LINES = 2_000;
const file = importFile('Patient', LINES, { prefix: 'st', badEvery: 0 });

let stack: BulkStack;
let server: Server;
let release: () => void;
const released = new Promise<void>((done) => (release = done));

/** Serves the file's first half at once and the rest only after release(): the read hangs in between. */
function startStallingServer(): Promise<Server> {
  const bytes = Buffer.from(file.text);
  const half = file.text.indexOf('\n', bytes.length / 2) + 1;
  const httpServer = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/fhir+ndjson', 'Content-Length': bytes.length, ETag: '"s1"' });
    if (req.method === 'HEAD') return void res.end();
    res.write(bytes.subarray(0, half));
    // `released` never rejects; the request handler must return while the response hangs.
    void released.then(() => res.end(bytes.subarray(half)));
  });
  return new Promise((resolve) => httpServer.listen(0, '127.0.0.1', () => resolve(httpServer)));
}

beforeAll(async () => {
  server = await startStallingServer();
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  stack = await startBulkStack({
    env: {
      IMPORT_HTTP_ALLOWED_PREFIXES: `${base}/inputs/`,
      IMPORT_BATCH_SIZE: '100',
      IMPORT_STALL_WARNING_SECONDS: '2',
    },
  });
});
afterAll(async () => {
  release();
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  await stack.stop();
});

it('logs a stalled file and says so in X-Progress, then finishes once it moves again', async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/inputs/patients.ndjson`;
  const { statusUrl, jobId } = await startImport(
    `${stack.baseUrl}/tenant/stall`,
    stack.fetch,
    importKickoffBody([{ type: 'Patient', url }]),
  );

  const progress = await pollProgressUntil(
    statusUrl,
    stack.fetch,
    (text) => /no progress/.test(text),
    90_000,
    'a status poll that names the stall',
  );
  expect(progress).toMatch(
    /^Importing \d+%: 0 of 1 files, [\d.]+ of [\d.]+ MB, \d+ resources, 0 errors; a file has made no progress for \d+ s$/,
  );
  const warning = workerWarnings.find((w) => w.message === 'import file makes no progress' && w.meta?.jobId === jobId);
  expect(warning?.meta).toMatchObject({ tenant: 'stall', file: 0, stalledSeconds: expect.any(Number) });
  // Only ids and positions are logged, never content.
  expect(JSON.stringify(warning)).not.toContain('"resourceType"');
  // Stalled halfway: some but not all of the file is in.
  const partial = await stack.store.collection('stall', 'Patient').countDocuments({ tenant: 'stall' });
  expect(partial).toBeGreaterThan(0);
  expect(partial).toBeLessThan(LINES);

  release();
  const done = await pollUntilDone(statusUrl, stack.fetch, 120_000);
  expect(done.status).toBe(200);
  const result = (await done.json()) as ImportResult;
  expect(result.output).toEqual([{ type: 'Patient', inputUrl: url, count: LINES }]);
  const ids = await stack.store.collection('stall', 'Patient').distinct('id', { tenant: 'stall' });
  expect(ids.sort()).toEqual([...file.goodIds].sort());
}, 240_000);
