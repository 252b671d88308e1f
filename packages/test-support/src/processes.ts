import { type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { resolve } from 'node:path';

const repo = resolve(__dirname, '../../..');

/** A service run as its own OS process, so a test can SIGKILL it as a crash would. */
export interface ServiceProcess {
  child: ChildProcess;
  /** Resolves with the signal (or exit code) once the process is gone. */
  exited: Promise<NodeJS.Signals | number | null>;
  kill(signal?: NodeJS.Signals): Promise<NodeJS.Signals | number | null>;
}

function track(child: ChildProcess): ServiceProcess {
  const exited = new Promise<NodeJS.Signals | number | null>((done) =>
    child.once('exit', (code, signal) => done(signal ?? code)),
  );
  return {
    child,
    exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * Whether `worker` (a worker process) polls the stack's task queue for activities: bundled, connected, running. Its
 * poller is told apart from killed workers' (Temporal lists pollers for minutes) by the SDK's default identity,
 * `{pid}@{host}`.
 */
export async function pollsActivities(
  stack: { client: Client; config: { TEMPORAL_NAMESPACE: string; TEMPORAL_TASK_QUEUE: string } },
  worker: ServiceProcess,
): Promise<boolean> {
  const { pollers } = await stack.client.workflowService.describeTaskQueue({
    namespace: stack.config.TEMPORAL_NAMESPACE,
    taskQueue: { name: stack.config.TEMPORAL_TASK_QUEUE },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (pollers ?? []).some((poller) => poller.identity?.startsWith(`${worker.child.pid}@`));
}

/** Starts `apps/{app}/src/main.ts` (worker or api) with `env`; output goes to the test's stderr on failure only. */
export function startService(app: 'worker' | 'api', env: Record<string, string>): ServiceProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(repo, `apps/${app}/src/main.ts`)], {
    cwd: repo,
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return track(child);
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

/** A version pinned in infra/versions.env. */
function pinned(name: string): string {
  const versions = readFileSync(resolve(repo, 'infra/versions.env'), 'utf8');
  const value = new RegExp(`^${name}=(\\S+)`, 'm').exec(versions)?.[1];
  if (!value) throw new Error(`${name} missing from infra/versions.env`);
  return value;
}

/** A locally built server (infra/build-servers.sh). */
const serverBinary = (name: string) =>
  resolve(process.env.FHIR_BULK_BIN_DIR ?? `${homedir()}/.cache/fhir-bulk/bin`, name);

const temporalBinary = () => serverBinary(`temporal-${pinned('TEMPORAL_CLI_VERSION')}`);

/**
 * A FerretDB of the test's own (SQLite files under `dataDir`, a free port), so a test can kill it, as a database
 * outage, and start it again on the same port and data, without disturbing the shared one other suites use.
 */
export async function startFerretDb(dataDir: string, port?: number) {
  const address = `127.0.0.1:${port ?? (await freePort())}`;
  const binary = serverBinary(`ferretdb-${pinned('FERRETDB_VERSION')}-${pinned('FERRETDB_PATCH')}`);
  mkdirSync(resolve(dataDir, 'sqlite'), { recursive: true });
  mkdirSync(resolve(dataDir, 'state'), { recursive: true });
  const debugPort = await freePort();
  const child = spawn(
    binary,
    [
      '--handler=sqlite',
      `--sqlite-url=file:${resolve(dataDir, 'sqlite')}/`,
      `--listen-addr=${address}`,
      `--state-dir=${resolve(dataDir, 'state')}`,
      `--debug-addr=127.0.0.1:${debugPort}`,
      '--telemetry=disable',
      '--log-level=error',
    ],
    { stdio: 'ignore' },
  );
  const service = track(child);
  const ready = () =>
    fetch(`http://127.0.0.1:${debugPort}/debug/readyz`).then(
      (response) => response.ok,
      () => false,
    );
  await waitFor(ready, 30_000, `FerretDB at ${address}`);
  return { url: `mongodb://${address}/`, port: Number(address.split(':')[1]), service };
}

/**
 * A Temporal dev server of the test's own, on a free port with a persistent SQLite file, so a test can kill and
 * restart it without disturbing the shared server other suites use.
 */
export async function startTemporalServer(dbFile: string, port?: number) {
  const address = `127.0.0.1:${port ?? (await freePort())}`;
  const attributes = readFileSync(resolve(repo, 'temporal/search-attributes.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .flatMap((attribute) => ['--search-attribute', attribute]);
  const [, portText] = address.split(':');
  const child = spawn(
    temporalBinary(),
    ['server', 'start-dev', '--ip', '127.0.0.1', '--port', portText!, '--headless', '--db-filename', dbFile]
      .concat([
        '--log-level',
        'error',
        '--http-port',
        String(await freePort()),
        '--metrics-port',
        String(await freePort()),
      ])
      .concat(attributes),
    { stdio: 'ignore' },
  );
  const service = track(child);
  await waitFor(() => health(address), 30_000, `Temporal at ${address}`);
  return { address, service };
}

async function health(address: string): Promise<boolean> {
  const probe = spawn(temporalBinary(), ['operator', 'cluster', 'health', '--address', address], { stdio: 'ignore' });
  return new Promise((done) => probe.once('exit', (code) => done(code === 0)));
}

/** Polls `check` until it is true; fails with `what` after `timeoutMs`. */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * Slows a process down from outside, without any hook in its code: SIGSTOP for `stopMs`, SIGCONT for `runMs`, over
 * and over. Fault tests use it to keep an export running long enough to kill something in the middle of it.
 * Returns a function that lets the process run freely again.
 */
export function slowDown(service: ServiceProcess, { runMs = 50, stopMs = 150 } = {}): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout;
  const alive = () => service.child.exitCode === null && service.child.signalCode === null;
  const toggle = () => {
    if (!alive()) return;
    stopped = !stopped;
    service.child.kill(stopped ? 'SIGSTOP' : 'SIGCONT');
    timer = setTimeout(toggle, stopped ? stopMs : runMs);
  };
  timer = setTimeout(toggle, runMs);
  return () => {
    clearTimeout(timer);
    if (stopped && alive()) service.child.kill('SIGCONT');
  };
}
