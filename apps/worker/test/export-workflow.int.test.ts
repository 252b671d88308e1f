import { loadConfig } from '@fhir-bulk/config';
import { type ExportedFile, type ExportPartition, type ExportPlan, EXPORT_ERROR } from '@fhir-bulk/export';
import {
  EXPORT_WORKFLOW,
  exportFilesQuery,
  exportProgressQuery,
  type ExportSummary,
  type ExportWorkflow,
} from '@fhir-bulk/workflow-contract';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import type { ExportActivities } from '../src/export/activities';
import { patientExport } from './export-job-input';

/**
 * The export workflow alone, on the real local Temporal server (time-skipping would download a test server), with
 * its activities mocked: what it orders, bounds, answers and cleans up, whatever the activities do.
 */
let env: TestWorkflowEnvironment;
let workflowBundle: WorkflowBundle;
const taskQueue = `export-workflow-${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  // The SDK's notices (worker states, the failures these tests cause on purpose) are not the test's output.
  const logger = new DefaultLogger('ERROR');
  Runtime.install({ logger });
  const config = loadConfig();
  env = await TestWorkflowEnvironment.createFromExistingServer({
    address: config.TEMPORAL_ADDRESS,
    namespace: config.TEMPORAL_NAMESPACE,
  });
  workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../src/workflows'), logger });
});

afterAll(() => env?.teardown());

const partitions: ExportPartition[] = [0, 1, 2, 3].map((index) => ({
  type: 'Patient',
  kind: 'output',
  index,
  estimate: 2,
}));
const errorFile: ExportedFile = {
  key: 'clinic/export/x/OperationOutcome-0-0.ndjson',
  count: 1,
  size: 90,
  kind: 'error',
};
const plan: ExportPlan = { partitions, total: 8, files: [errorFile], concurrency: 2, heartbeatTimeoutSeconds: 5 };
const summary: ExportSummary = {
  manifestKey: 'clinic/export/x/manifest.json',
  totalRecords: 8,
  fileCount: 5,
  totalSize: 1,
};
const fileOf = (partition: ExportPartition): ExportedFile => ({
  type: partition.type,
  key: `clinic/export/x/Patient-${partition.index}-0.ndjson`,
  count: 2,
  size: 100,
  kind: 'output',
});

/** How the workflow ended. */
type Outcome = { result: ExportSummary } | { error: unknown };

/** What the mocked activities were asked, in order. */
type Call = [name: string, details?: unknown];

/** Runs the workflow to its end with these activities, on a worker of its own; returns the outcome. */
async function runExport(activities: Partial<ExportActivities>, during?: (jobId: string) => Promise<void>) {
  const jobId = `job-${randomBytes(4).toString('hex')}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace,
    taskQueue,
    workflowBundle,
    activities,
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start<ExportWorkflow>(EXPORT_WORKFLOW, {
      taskQueue,
      workflowId: jobId,
      args: [patientExport('clinic', jobId)],
    });
    await during?.(jobId);
    return handle.result().then(
      (result): Outcome => ({ result }),
      (error: unknown): Outcome => ({ error }),
    );
  });
}

/** A partition activity that runs until it is cancelled, heartbeating as the real one does. */
async function untilCancelled(calls: Call[]): Promise<ExportedFile[]> {
  const context = Context.current();
  calls.push(['exportPartition started']);
  try {
    for (;;) {
      context.heartbeat();
      await context.sleep(100);
    }
  } finally {
    calls.push(['exportPartition stopped']);
  }
}

describe('exportWorkflow', () => {
  it('runs every planned partition, at most `concurrency` at once, and returns what finalizeExport wrote', async () => {
    let running = 0;
    let most = 0;
    const finalized: ExportedFile[][] = [];
    const outcome = await runExport({
      planExport: async () => plan,
      exportPartition: async ({ partition }) => {
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 200));
        running--;
        return [fileOf(partition)];
      },
      finalizeExport: async ({ files }) => {
        finalized.push(files);
        return summary;
      },
    });

    expect(outcome).toEqual({ result: summary });
    expect(most).toBe(2);
    // The plan's files first, then each partition's as it completed.
    expect(finalized).toHaveLength(1);
    expect(finalized[0]![0]).toEqual(errorFile);
    expect(finalized[0]!.slice(1)).toEqual(expect.arrayContaining(partitions.map(fileOf)));
  });

  it('answers its progress and files while running; cancelled, it stops its partitions, then abandons the job', async () => {
    const calls: Call[] = [];
    const asked: unknown[] = [];
    const outcome = await runExport(
      {
        planExport: async () => plan,
        exportPartition: () => untilCancelled(calls),
        abandonExport: async ({ status }) => {
          calls.push(['abandonExport', status]);
        },
      },
      async (jobId) => {
        const handle = env.client.workflow.getHandle<ExportWorkflow>(jobId);
        while (calls.filter(([name]) => name === 'exportPartition started').length < 2) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        asked.push(await handle.query(exportProgressQuery), await handle.query(exportFilesQuery));
        await handle.cancel();
      },
    );

    expect(asked).toEqual([{ phase: 'exporting', total: 8, byType: {} }, [errorFile]]);
    expect(outcome).toEqual({ error: expect.any(WorkflowFailedError) });
    expect(outcome).toMatchObject({ error: { cause: expect.any(CancelledFailure) } });
    // Both running partitions have stopped before the cleanup starts: it must not delete files they still write.
    expect(calls.slice(-3)).toEqual([
      ['exportPartition stopped'],
      ['exportPartition stopped'],
      ['abandonExport', 'cancelled'],
    ]);
  });

  it('fails at once on an ExportError, after abandoning the job as failed with its message', async () => {
    const abandoned: unknown[] = [];
    const outcome = await runExport({
      planExport: async () => {
        throw ApplicationFailure.nonRetryable('Group g1 not found', EXPORT_ERROR, { code: 'NOT_FOUND' });
      },
      abandonExport: async ({ status, message }) => {
        abandoned.push({ status, message });
      },
    });

    expect(abandoned).toEqual([{ status: 'failed', message: 'Group g1 not found' }]);
    expect(outcome).toEqual({ error: expect.any(WorkflowFailedError) });
  });
});
