import { loadConfig } from '@fhir-bulk/config';
import { REPO_ROOT, startTemporalServer } from '@fhir-bulk/test-support';
import { Client, Connection } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { namespaceRetentionDays, namespaceRetentionWarnings } from '../src/namespace-retention';

/**
 * Temporal deletes a closed workflow's history itself once the namespace's retention has passed: days, which no
 * test waits for. Proven here is the setting: `infra/stack.sh retention` sets TEMPORAL_NAMESPACE_RETENTION_DAYS on a
 * server (this suite's own dev server, so the shared one keeps its own), the namespace reports it, a restart keeps
 * it, and the worker's start check says when the namespace differs.
 */
let dir: string;
let dbFile: string;
let temporal: Awaited<ReturnType<typeof startTemporalServer>>;
let connection: Connection;
let client: Client;

async function connect() {
  connection = await Connection.connect({ address: temporal.address });
  client = new Client({ connection, namespace: 'default' });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fhir-bulk-temporal-'));
  dbFile = join(dir, 'temporal.db');
  temporal = await startTemporalServer(dbFile);
  await connect();
});
afterAll(async () => {
  await connection?.close();
  await temporal?.service.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `npm run stack -- retention` against this suite's server, with `days` (or the default when undefined). */
function setRetention(days?: number): string {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default' };
  delete env.TEMPORAL_NAMESPACE_RETENTION_DAYS;
  if (days !== undefined) env.TEMPORAL_NAMESPACE_RETENTION_DAYS = String(days);
  return execFileSync('bash', ['infra/stack.sh', 'retention'], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
    stdio: 'pipe',
  });
}

const settings = { namespace: 'default', retentionDays: 9, jobRetentionHours: 24 };

describe('the Temporal namespace retention', () => {
  it('is one day on a new dev server, which the worker’s start check reports as not the setting', async () => {
    expect(await namespaceRetentionDays(client, 'default')).toBe(1);
    expect(await namespaceRetentionWarnings(client, settings)).toEqual([
      expect.stringMatching(
        /^Temporal namespace default keeps closed workflows 1 days, TEMPORAL_NAMESPACE_RETENTION_DAYS says 9/,
      ),
    ]);
  });

  it('is set by the stack script to TEMPORAL_NAMESPACE_RETENTION_DAYS, packages/config’s default without it', async () => {
    setRetention();
    expect(await namespaceRetentionDays(client, 'default')).toBe(loadConfig({}).TEMPORAL_NAMESPACE_RETENTION_DAYS);
    setRetention(9);
    expect(await namespaceRetentionDays(client, 'default')).toBe(9);
    expect(await namespaceRetentionWarnings(client, settings)).toEqual([]);
  });

  it('survives a restart of the dev server (kept in its database)', async () => {
    await connection.close();
    await temporal.service.stop();
    temporal = await startTemporalServer(dbFile, Number(temporal.address.split(':')[1]));
    await connect();
    expect(await namespaceRetentionDays(client, 'default')).toBe(9);
  });

  it('is reported when shorter than JOB_RETENTION_HOURS: a completed job’s status would go before its files', async () => {
    expect(await namespaceRetentionWarnings(client, { ...settings, jobRetentionHours: 240 })).toEqual([
      expect.stringContaining('keeps closed workflows 216 hours, less than JOB_RETENTION_HOURS (240)'),
    ]);
  });
});
