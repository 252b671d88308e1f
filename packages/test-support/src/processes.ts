import { type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir, hostname } from 'node:os';
import { resolve } from 'node:path';

/** The repository's root: services run from there, as `npm start` runs them. */
export const REPO_ROOT = resolve(__dirname, '../../..');

/** How long `stop` gives a service to shut down on SIGTERM before it is killed. */
const STOP_GRACE_MS = 15_000;

/**
 * A service run as its own OS process (the API, a worker, FerretDB, Temporal), so a test can SIGKILL it as a crash
 * would and a benchmark can measure its memory and stop it.
 */
export class ServiceProcess {
  readonly pid: number;
  /** Resolves with the signal (or exit code) once the process is gone. */
  readonly exited: Promise<NodeJS.Signals | number | null>;
  /** Rejects when the process exits without being asked to (`kill`, `stop`): long waits race against it. */
  readonly crashed: Promise<never>;
  private asked = false;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    logFile?: string,
  ) {
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    this.pid = child.pid;
    this.exited = new Promise((done) => child.once('exit', (code, signal) => done(signal ?? code)));
    this.crashed = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) => {
        if (this.asked) return;
        const see = logFile ? `; see ${logFile}` : '';
        reject(new Error(`${name} exited unexpectedly (${signal ?? `code ${code}`})${see}`));
      });
    });
    // Observed by whoever races against it; an unobserved crash must not end the test or benchmark by itself.
    this.crashed.catch(() => undefined);
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` (SIGKILL: as a crash would end it); resolves once the process is gone. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<NodeJS.Signals | number | null> {
    this.asked = true;
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }

  /** Shuts the service down as an operator would (SIGTERM), killing it if it takes longer than STOP_GRACE_MS. */
  async stop(): Promise<void> {
    this.asked = true;
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * Whether `worker` (a worker process) polls `taskQueue` for each kind of task in `kinds`: bundled, connected,
 * running. Its poller is told apart from earlier or killed workers' (Temporal lists pollers for minutes) by the
 * SDK's default identity, `{pid}@{host}`.
 */
export async function pollsTaskQueue(
  client: Client,
  taskQueue: string,
  worker: ServiceProcess,
  kinds: ReadonlyArray<'workflow' | 'activity'>,
): Promise<boolean> {
  const identity = `${worker.pid}@${hostname()}`;
  const { TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY } = temporal.api.enums.v1.TaskQueueType;
  for (const kind of kinds) {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: kind === 'workflow' ? TASK_QUEUE_TYPE_WORKFLOW : TASK_QUEUE_TYPE_ACTIVITY,
    });
    if (!(pollers ?? []).some((poller) => poller.identity === identity)) return false;
  }
  return true;
}

/** Whether `worker` polls the stack's task queue for activities (see pollsTaskQueue). */
export const pollsActivities = (
  stack: { client: Client; config: { TEMPORAL_TASK_QUEUE: string } },
  worker: ServiceProcess,
): Promise<boolean> => pollsTaskQueue(stack.client, stack.config.TEMPORAL_TASK_QUEUE, worker, ['activity']);

/**
 * Starts `apps/{app}/src/main.ts` (worker or api) with `env` at LOG_LEVEL=warn (or `logLevel`), as
 * `node --import tsx <entry>`, not through the tsx CLI (`npm run worker`): the CLI runs the script in a second node
 * process, and a benchmark measures the service's own memory. Its output goes to `logFile` (appended) or, without
 * one, to this process's (a test's).
 */
export function startService(
  app: 'worker' | 'api',
  env: NodeJS.ProcessEnv,
  { logFile, logLevel = 'warn' }: { logFile?: string; logLevel?: string } = {},
): ServiceProcess {
  const log = logFile === undefined ? 'inherit' : openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', resolve(REPO_ROOT, `apps/${app}/src/main.ts`)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: logLevel },
    stdio: ['ignore', log, log],
  });
  if (typeof log === 'number') closeSync(log);
  return new ServiceProcess(app, child, logFile);
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
  const versions = readFileSync(resolve(REPO_ROOT, 'infra/versions.env'), 'utf8');
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
  const service = new ServiceProcess('FerretDB', child);
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
  const attributes = readFileSync(resolve(REPO_ROOT, 'temporal/search-attributes.txt'), 'utf8')
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
  const service = new ServiceProcess('Temporal', child);
  await waitFor(() => health(address), 30_000, `Temporal at ${address}`);
  return { address, service };
}

async function health(address: string): Promise<boolean> {
  const probe = spawn(temporalBinary(), ['operator', 'cluster', 'health', '--address', address], { stdio: 'ignore' });
  return new Promise((done) => probe.once('exit', (code) => done(code === 0)));
}

/** Polls `check` every `intervalMs` until it is true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  intervalMs = 100,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, intervalMs));
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

/**
 * Runs a process in bursts like `slowDown`, but checks `check` while the process is stopped, and once it holds
 * leaves the process stopped: whatever the test does next (kill it, kill a server) lands exactly at that state,
 * since a stopped worker cannot finish its job in between. Returns a function that lets the process run again.
 */
export async function stopWhen(
  service: ServiceProcess,
  check: () => Promise<boolean>,
  what: string,
  { runMs = 50, stopMs = 150, timeoutMs = 120_000 } = {},
): Promise<() => void> {
  const signal = (name: NodeJS.Signals) => {
    if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill(name);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal('SIGSTOP');
    const stoppedAt = Date.now();
    if (await check()) return () => signal('SIGCONT');
    if (Date.now() > deadline) {
      signal('SIGCONT');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((done) => setTimeout(done, Math.max(0, stopMs - (Date.now() - stoppedAt))));
    signal('SIGCONT');
    await new Promise((done) => setTimeout(done, runMs));
  }
}
