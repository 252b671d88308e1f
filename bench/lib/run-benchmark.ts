import { stopServices, killServices } from './services';

/**
 * Runs a benchmark's entry point: SIGINT and SIGTERM stop the API and worker it started, whatever ends the process
 * kills those left, and an error is printed and sets exit code 1.
 */
export function runBenchmark(main: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`${signal}: stopping the API and worker`);
      void stopServices().finally(() => process.exit(130));
    });
  }
  process.once('exit', killServices);

  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
