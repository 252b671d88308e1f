import type { BulkStack } from './bulk-stack';
import { stackEnv } from './bulk-stack';
import { type ServiceProcess, startService } from './processes';

/** API and worker processes on a test stack's settings (plus overrides), remembered so a test can kill them all. */
export class StackProcesses {
  private readonly running: ServiceProcess[] = [];

  constructor(private readonly stack: () => Pick<BulkStack, 'config'>) {}

  spawn(app: 'worker' | 'api', overrides: Record<string, string> = {}): ServiceProcess {
    const service = startService(app, { ...stackEnv(this.stack()), ...overrides });
    this.running.push(service);
    return service;
  }

  /** A process started otherwise (a Temporal server of the test's own), to be killed with the rest. */
  adopt(service: ServiceProcess): void {
    this.running.push(service);
  }

  /** Kills every process spawned so far (a test's leftovers must not serve the next test's jobs). */
  async killAll(): Promise<void> {
    await Promise.all(this.running.splice(0).map((service) => service.kill()));
  }
}
