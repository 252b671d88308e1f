import { bulkLoad } from '@fhir-bulk/store';
import { type BulkStack, startBulkStack } from '@fhir-bulk/test-support';
import { execFile } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// The CLI as a user runs it: a child process (stdout and stderr are pipes, not a terminal) talking HTTP to the API.
const CLI = resolve(__dirname, '../bin/fhir-bulk.js');
const TENANT = 'cli';
/** The start of an ANSI escape sequence (colours, cursor moves): ESC [. */
const ANSI = new RegExp(String.raw`\u001b\[`);

let stack: BulkStack;
let dir: string;
let clientFile: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      {
        env: {
          ...process.env,
          FHIR_BULK_API: stack.baseUrl,
          FHIR_BULK_CLIENT: clientFile,
          S3_ENDPOINT: stack.config.S3_ENDPOINT,
          S3_ACCESS_KEY_ID: stack.config.S3_ACCESS_KEY_ID,
          S3_SECRET_ACCESS_KEY: stack.config.S3_SECRET_ACCESS_KEY,
          IMPORT_S3_BUCKETS: stack.config.IMPORT_S3_BUCKETS.join(','),
          ...env,
        },
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const patients = Array.from({ length: 700 }, (_, i) => ({
  resourceType: 'Patient',
  id: `p${String(i).padStart(4, '0')}`,
  gender: i % 2 ? 'female' : 'male',
}));
const observations = Array.from({ length: 450 }, (_, i) => ({
  resourceType: 'Observation',
  id: `o${String(i).padStart(4, '0')}`,
  status: 'final',
  code: { text: 'heart rate' },
  subject: { reference: `Patient/p${String(i % 700).padStart(4, '0')}` },
}));

/** The ids in an export folder's NDJSON files of `type`. */
function exportedIds(out: string, type: string): string[] {
  return readdirSync(out)
    .filter((name) => name.startsWith(`${type}-`) && name.endsWith('.ndjson'))
    .flatMap((name) => readFileSync(join(out, name), 'utf8').split('\n').filter(Boolean))
    .map((line) => (JSON.parse(line) as { id: string }).id)
    .sort();
}

const sorted = (resources: Array<{ id: string }>) => resources.map((r) => r.id).sort();

beforeAll(async () => {
  // Small files: each type is split into several, so downloads run in parallel and one can be resumed.
  stack = await startBulkStack({ env: { EXPORT_FILE_MAX_RECORDS: 'Patient=200,Observation=200' } });
  dir = mkdtempSync(join(tmpdir(), 'fhir-bulk-cli-'));
  clientFile = join(dir, 'client.json');
  const { clientId, keys } = stack.auth;
  writeFileSync(
    clientFile,
    JSON.stringify({
      client_id: clientId,
      tokenUrl: `${stack.baseUrl}/auth/token`,
      scope: 'system/*.*',
      privateJwk: keys.privateJwk,
    }),
    { mode: 0o600 },
  );
  await bulkLoad(stack.store, TENANT, patients);
  await bulkLoad(stack.store, TENANT, observations);
});
afterAll(async () => {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('fhir-bulk export', () => {
  const out = () => join(dir, 'export');

  it('downloads every file of the manifest, checks each count and writes manifest.json beside them', async () => {
    const run = await cli(['export', '--tenant', TENANT, '--type', 'Patient,Observation', '--out', out()]);
    expect(run).toMatchObject({ code: 0 });
    expect(exportedIds(out(), 'Patient')).toEqual(sorted(patients));
    expect(exportedIds(out(), 'Observation')).toEqual(sorted(observations));
    const manifest = JSON.parse(readFileSync(join(out(), 'manifest.json'), 'utf8')) as {
      output: Array<{ type: string; url: string; count: number }>;
    };
    expect(manifest.output.filter((o) => o.type === 'Patient')).toHaveLength(4);
    for (const entry of manifest.output) {
      const lines = readFileSync(join(out(), entry.url.split('/').pop()!), 'utf8')
        .split('\n')
        .filter(Boolean);
      expect(lines).toHaveLength(entry.count);
    }
    expect(run.stdout).toContain('1150 resources');
    expect(run.stdout).toContain('every count checked');
    expect(run.stderr).toMatch(/export started: http:\/\/127\.0\.0\.1:\d+\/tenant\/cli\/_export\/[0-9a-f-]{36}/);
    // Not a terminal: plain lines, no bars and no escape sequences.
    expect(run.stdout + run.stderr).not.toMatch(ANSI);
  });

  it('resumes a cut download with a Range request and ends with the same bytes', async () => {
    const [cut, gone] = ['Patient-0-1.ndjson', 'Observation-0-0.ndjson'].map((name) => join(out(), name));
    const [cutBytes, goneBytes] = [readFileSync(cut!), readFileSync(gone!)];
    truncateSync(cut!, 1000);
    unlinkSync(gone!);
    const requests: Array<{ url: string; range?: string; ifRange?: string }> = [];
    const watch = (req: IncomingMessage) =>
      requests.push({ url: req.url!, range: req.headers.range, ifRange: req.headers['if-range'] as string });
    stack.server.on('request', watch);
    try {
      const run = await cli(['export', '--resume', '--tenant', TENANT, '--out', out()]);
      expect(run).toMatchObject({ code: 0 });
      expect(run.stdout + run.stderr).toContain('Patient-0-1.ndjson: resumed at byte 1000');
    } finally {
      stack.server.off('request', watch);
    }
    expect(readFileSync(cut!)).toEqual(cutBytes);
    expect(readFileSync(gone!)).toEqual(goneBytes);
    const files = requests.filter((r) => r.url.includes('/files/'));
    // Only the two damaged files travel again: the cut one from byte 1000 (If-Range its ETag), the lost one whole.
    expect(files.map((r) => r.url.split('/').pop()).sort()).toEqual(['Observation-0-0.ndjson', 'Patient-0-1.ndjson']);
    expect(files.find((r) => r.url.endsWith('Patient-0-1.ndjson'))).toMatchObject({
      range: 'bytes=1000-',
      ifRange: expect.stringMatching(/^"/),
    });
    expect(files.find((r) => r.url.endsWith('Observation-0-0.ndjson'))?.range).toBeUndefined();
    // No new kick-off: the job of the first run was read again.
    expect(requests.some((r) => r.url.includes('$export'))).toBe(false);
  });

  it('exports one patient through Patient/{id}/$export with a PEM key, _elements and _typeFilter', async () => {
    const other = await stack.registerClient();
    const pem = join(dir, 'key.pem');
    const jwk = other.keys.privateJwk;
    writeFileSync(pem, createPrivateKey({ key: jwk as never, format: 'jwk' }).export({ type: 'pkcs8', format: 'pem' }));
    const out = join(dir, 'one-patient');
    const run = await cli(
      [
        ...['export', '--tenant', TENANT, '--patient', 'p0001', '--type', 'Patient,Observation'],
        ...['--elements', 'gender', '--type-filter', 'Observation?status=final', '--out', out],
        ...['--client-id', other.clientId, '--key', pem, '--kid', jwk.kid!],
      ],
      { FHIR_BULK_CLIENT: '' },
    );
    expect(run).toMatchObject({ code: 0 });
    const [patient] = readFileSync(join(out, 'Patient-0-0.ndjson'), 'utf8').split('\n').filter(Boolean);
    expect(JSON.parse(patient!)).toMatchObject({
      id: 'p0001',
      gender: 'female',
      meta: { tag: [{ code: 'SUBSETTED' }] },
    });
    expect(exportedIds(out, 'Observation')).toEqual(['o0001']);
  });

  it('sends named patients in a POST Parameters body, with the other parameters beside them', async () => {
    const out = join(dir, 'two-patients');
    const run = await cli([
      ...['export', '--tenant', TENANT, '--patient-level', '--patients', 'p0002,Patient/p0003'],
      ...['--type', 'Patient', '--since', '2000-01-01T00:00:00Z', '--out', out],
    ]);
    expect(run).toMatchObject({ code: 0 });
    expect(exportedIds(out, 'Patient')).toEqual(['p0002', 'p0003']);
  });

  it("fails with the server's reason, and exit code 1, on a kick-off the server refuses", async () => {
    const run = await cli(['export', '--tenant', TENANT, '--type', 'NoSuchType', '--out', join(dir, 'refused')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/export kick-off answered 400: .*NoSuchType/);
  });
});

describe('fhir-bulk import', () => {
  it('uploads a folder, imports it, sums up and saves the error file of its bad lines', async () => {
    const input = join(dir, 'to-import');
    const errors = join(dir, 'import-errors');
    const imported = patients.slice(0, 120).map((p) => ({ ...p, id: `imp-${p.id}` }));
    const lines = imported.map((p) => JSON.stringify(p));
    mkdirSync(input);
    writeFileSync(join(input, 'patients.ndjson'), `${lines.slice(0, 60).join('\n')}\n`);
    writeFileSync(join(input, 'more.ndjson'), `${lines.slice(60).join('\n')}\n{"resourceType": "Patient", "id": \n`);
    const run = await cli(['import', input, '--tenant', 'cli-import', '--errors', errors]);
    expect(run).toMatchObject({ code: 0 });
    expect(run.stdout).toContain('imported 120 resources from 2 files; 1 lines refused');
    const [errorFile] = readdirSync(errors);
    const outcomes = readFileSync(join(errors, errorFile!), 'utf8').split('\n').filter(Boolean);
    expect(outcomes).toHaveLength(1);
    expect(run.stdout).toContain(`1 bad lines in s3://${stack.config.IMPORT_S3_BUCKETS[0]}/cli-import/`);
    const search = await stack.fetch(`${stack.baseUrl}/tenant/cli-import/Patient?_summary=count`);
    expect(((await search.json()) as { total: number }).total).toBe(120);
    expect(run.stdout + run.stderr).not.toMatch(ANSI);
  });
});

describe('fhir-bulk status, cancel and jobs', () => {
  let statusUrl: string;

  beforeAll(async () => {
    const kickoff = await stack.fetch(`${stack.baseUrl}/tenant/${TENANT}/$export?_type=Patient`, {
      headers: { Prefer: 'respond-async' },
    });
    statusUrl = kickoff.headers.get('content-location')!;
  });

  it('status of a job id prints the manifest once the export is done', async () => {
    const jobId = statusUrl.split('/').pop()!;
    let run: Run;
    do {
      run = await cli(['status', jobId, '--tenant', TENANT]);
      expect(run.code).toBe(0);
    } while (run.stdout.startsWith('running'));
    expect(JSON.parse(run.stdout)).toMatchObject({
      output: expect.arrayContaining([expect.objectContaining({ type: 'Patient' })]),
    });
  });

  it('cancel deletes a job, whose status is then unknown', async () => {
    const cancelled = await cli(['cancel', statusUrl]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `cancelled: ${statusUrl}\n` });
    const after = await cli(['status', statusUrl]);
    expect(after.code).toBe(1);
    expect(after.stderr).toMatch(/answered 40[14]/);
  });

  it("jobs lists the client's jobs from _jobs", async () => {
    const jobId = statusUrl.split('/').pop()!;
    const listed = await cli(['jobs', '--tenant', TENANT, '--kind', 'export', '--json', '--all']);
    expect(listed).toMatchObject({ code: 0 });
    expect((JSON.parse(listed.stdout) as Array<{ jobId: string }>).map((job) => job.jobId)).toContain(jobId);
    const table = await cli(['jobs', '--tenant', TENANT]);
    expect(table.stdout.split('\n')[0]).toMatch(/^job\s+kind\s+status/);
    expect(table.stdout).toContain(jobId);
  });
});
