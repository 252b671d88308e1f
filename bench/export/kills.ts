import { exportedResourceCounts } from '@fhir-bulk/test-support/src/export-output';
import type { BenchServers } from '../lib/bench-servers';
import { BENCH_TYPES, type Dataset, prepareDataset } from '../lib/dataset';
import { checkExported, measureExport } from '../lib/export-client';
import type { BenchOptions } from '../lib/options';
import { hostInfo, phaseText, printTable } from '../lib/report';
import { evenlyOver } from '../lib/worker-kills';
import { workflowPhases } from '../lib/workflow-phases';

/** Issue 18 point 7: an export whose worker is killed twice takes at most this much longer than a clean one. */
export const MAX_KILLED_RATIO = 1.2;

/** Its own tenant and database, so the data other benchmarks keep for `--skip-load` stays as it is. */
export const killsDataset = (resources: number): Dataset => ({
  tenant: 'bench-kills',
  database: 'bench_kills',
  resources,
});

export interface KilledRound {
  cleanSeconds: number;
  killedSeconds: number;
  /** Seconds after kick-off at which the worker was killed. */
  killAt: number[];
  /** From each kill until its replacement polled, summed: part of killedSeconds. */
  restartSeconds: number;
  ratio: number;
  phases: string;
}

export interface KillsResult {
  startedAt: string;
  host: { cpus: number; node: string };
  options: BenchOptions;
  loadSeconds: number | null;
  rounds: KilledRound[];
  verdict: { medianRatio: number; pass: boolean };
}

/**
 * `--kills N`: what crashes cost an export. The dataset is exported cleanly, then again with the worker SIGKILLed
 * `kills` times spread evenly over the clean export's time (so each lands mid-file: a partition's Observation file
 * holds up to 1,000,000 records), a fresh worker started at once each time; `--rounds` such pairs, each killed
 * export compared with the clean one just before it. Every export must hold every resource exactly once.
 */
export async function measureKills(context: BenchServers, options: BenchOptions): Promise<KillsResult> {
  const startedAt = new Date();
  const data = killsDataset(options.resources);
  const loadSeconds = await prepareDataset(context.mongo.db(data.database), data, options.skipLoad);
  const rounds: KilledRound[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    if (options.rounds > 1) console.log(`round ${round} of ${options.rounds}`);
    const clean = await exportOnce(context, data, []);
    const killAt = evenlyOver(clean.seconds, options.kills);
    const killed = await exportOnce(context, data, killAt);
    const ratio = killed.seconds / clean.seconds;
    console.log(
      `${data.tenant}: killed ${killed.seconds.toFixed(1)} s over clean ${clean.seconds.toFixed(1)} s: ${ratio.toFixed(2)}`,
    );
    rounds.push({ cleanSeconds: clean.seconds, killedSeconds: killed.seconds, killAt, ratio, ...killed.details });
  }
  const ratios = rounds.map((r) => r.ratio).sort((a, b) => a - b);
  const medianRatio = ratios[Math.floor(ratios.length / 2)]!;
  return {
    startedAt: startedAt.toISOString(),
    host: hostInfo(),
    options,
    loadSeconds,
    rounds,
    verdict: { medianRatio, pass: medianRatio <= MAX_KILLED_RATIO },
  };
}

/** One export of the dataset, the worker killed at `killAt`; checked: every resource exactly once. */
async function exportOnce(context: BenchServers, data: Dataset, killAt: readonly number[]) {
  return measureExport(
    context,
    data,
    { query: BENCH_TYPES, killAt },
    async ({ job, manifest, seconds, restartSeconds }) => {
      checkExported(data.tenant, manifest, data.resources);
      const counts = await exportedResourceCounts(context.objects, data.tenant, job.jobId);
      const twice = [...counts.values()].filter((n) => n > 1).length;
      if (counts.size !== data.resources || twice > 0) {
        throw new Error(
          `${data.tenant}: the files hold ${counts.size} distinct resources (${twice} twice), not ${data.resources}`,
        );
      }
      const phases = phaseText(await workflowPhases(context.temporal, job.jobId));
      console.log(`${data.tenant}: ${seconds.toFixed(1)} s${killAt.length > 0 ? `, ${phases}` : ''}`);
      return { seconds, details: { restartSeconds, phases } };
    },
  );
}

export function printKills(result: KillsResult): void {
  const { options, rounds, verdict } = result;
  console.log(`\nexport of ${options.resources} resources, worker SIGKILLed ${options.kills} times mid-export`);
  printTable(
    ['round', 'clean', 'killed', 'kills at', 'restarts', 'killed/clean'],
    rounds.map((r, i) => [
      String(i + 1),
      `${r.cleanSeconds.toFixed(1)} s`,
      `${r.killedSeconds.toFixed(1)} s`,
      r.killAt.map((s) => `${s.toFixed(0)} s`).join(', '),
      `${r.restartSeconds.toFixed(1)} s`,
      r.ratio.toFixed(2),
    ]),
  );
  const verdictText = verdict.pass ? 'PASS' : 'FAIL';
  console.log(`median killed/clean ${verdict.medianRatio.toFixed(2)} (target ≤ ${MAX_KILLED_RATIO}): ${verdictText}`);
}
