import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '../..');

/** Beside the local stack's own logs (infra/stack.sh). */
const LOG_DIR = join(process.env.FHIR_BULK_DATA_DIR ?? join(REPO_ROOT, '.data'), 'logs');

/** How long a service gets to shut down on SIGTERM before it is killed. */
const STOP_GRACE_MS = 15_000;

/** Every service still running, so an error or Ctrl-C never leaves one behind. */
const running = new Set<ServiceProcess>();

/** An API or worker process started by the benchmark. */
export class ServiceProcess {
  /** Rejects when the process exits without being asked to: long waits race against it. */
  readonly crashed: Promise<never>;
  private stopping = false;

  private constructor(
    readonly name: string,
    readonly pid: number,
    private readonly child: ChildProcess,
    logFile: string,
  ) {
    this.crashed = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) => {
        running.delete(this);
        if (!this.stopping)
          reject(new Error(`${name} exited unexpectedly (${signal ?? `code ${code}`}); see ${logFile}`));
      });
    });
    // Observed by whoever races against it; an unobserved crash must not end the benchmark by itself.
    this.crashed.catch(() => undefined);
  }

  /**
   * Runs a TypeScript entry point as `node --import tsx <entry>`, not through the tsx CLI (`npm run worker`): the
   * CLI runs the script in a second node process, and the RSS measured must be the worker's own. Its output goes
   * to .data/logs/bench-<name>.log: the Temporal SDK logs at INFO whatever LOG_LEVEL says.
   */
  static start(name: string, entry: string, env: NodeJS.ProcessEnv): ServiceProcess {
    mkdirSync(LOG_DIR, { recursive: true });
    const logFile = join(LOG_DIR, `bench-${name}.log`);
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', entry], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    const service = new ServiceProcess(name, child.pid, child, logFile);
    running.add(service);
    return service;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (!this.alive) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  /** Last resort on process exit, where nothing asynchronous runs any more. */
  kill(): void {
    this.stopping = true;
    this.child.kill('SIGKILL');
  }

  static async stopAll(): Promise<void> {
    await Promise.all([...running].map((service) => service.stop()));
  }

  static killAll(): void {
    for (const service of running) service.kill();
  }
}

/**
 * Runs a benchmark's entry point: SIGINT and SIGTERM stop the API and worker it started, whatever ends the process
 * kills those left, and an error is printed and sets exit code 1.
 */
export function runBenchmark(main: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`${signal}: stopping the API and worker`);
      void ServiceProcess.stopAll().finally(() => process.exit(130));
    });
  }
  process.once('exit', () => ServiceProcess.killAll());

  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
