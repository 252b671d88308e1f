import { type BulkStack, fhirClient, pollUntilDone, startBulkStack, startFerretDb } from '@fhir-bulk/test-support';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A MongoDB outage is a server fault clients should wait out: while the database is down every request that needs it
 * answers 503 with Retry-After and a `transient` OperationOutcome (the IG's signal to keep polling), never a 500 or
 * a 401; once it is back, the same requests answer as before and nothing was lost. The suite runs on a FerretDB of
 * its own, which it kills and restarts.
 */
let stack: BulkStack;
let ferret: Awaited<ReturnType<typeof startFerretDb>>;
const dataDir = mkdtempSync(join(tmpdir(), 'outage-ferretdb-'));

beforeAll(async () => {
  ferret = await startFerretDb(dataDir);
  stack = await startBulkStack({ env: { MONGODB_URL: ferret.url } });
});
afterAll(async () => {
  await stack.stop();
  await ferret.service.kill('SIGTERM');
});

interface Outcome {
  resourceType: string;
  issue: Array<{ severity: string; code: string; diagnostics?: string }>;
}

async function expectTransient(response: Response) {
  expect(response.status).toBe(503);
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
  const body = (await response.json()) as Outcome;
  expect(body.resourceType).toBe('OperationOutcome');
  expect(body.issue[0]).toMatchObject({ severity: 'error', code: 'transient' });
}

it('answers 503 + Retry-After (transient) while MongoDB is down, and as before once it is back', async () => {
  const fhir = fhirClient(stack.baseUrl, stack.fetch);
  const created = await fhir.put('/tenant/outage/Patient/p1', { resourceType: 'Patient', id: 'p1', gender: 'male' });
  expect(created.status).toBe(201);
  const kickoff = await stack.fetch(`${stack.baseUrl}/tenant/outage/$export?_type=Patient`, {
    headers: { Accept: 'application/fhir+json', Prefer: 'respond-async' },
  });
  expect(kickoff.status).toBe(202);
  const statusUrl = kickoff.headers.get('content-location')!;
  const finished = await pollUntilDone(statusUrl, stack.fetch);
  expect(finished.status).toBe(200);
  const manifest = await finished.json();

  await ferret.service.kill('SIGKILL');
  // The client's token was issued before the outage; checking it needs the database too.
  await expectTransient(await stack.fetch(statusUrl));
  await expectTransient(await stack.fetch(`${stack.baseUrl}/tenant/outage/Patient/p1`));
  await expectTransient(
    await stack.fetch(`${stack.baseUrl}/tenant/outage/Patient`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', gender: 'female' }),
    }),
  );

  ferret = await startFerretDb(dataDir, ferret.port);
  const again = await pollUntilDone(statusUrl, stack.fetch);
  expect(again.status).toBe(200);
  expect(await again.json()).toEqual(manifest);
  const read = await fhir.get<{ id: string; gender: string }>('/tenant/outage/Patient/p1');
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ id: 'p1', gender: 'male' });
  // The POST refused during the outage left nothing behind.
  expect(await stack.store.countCurrent('outage', 'Patient')).toBe(1);
}, 180_000);
