import type { ExportedFile, ExportJobInput, ExportProgress } from '@fhir-bulk/export';
import { type ExportSummary, exportFilesQuery, exportProgressQuery } from '@fhir-bulk/workflow-contract';
import { CancellationScope, isCancellation, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ExportActivities } from '../export/activities';
import { mapBounded } from './bounded';
import { resumableActivity } from './resumable-activity';
import { messageOf } from './failure-message';
import { jobLogFields } from './job-log';

/** Short steps: planning, manifest, cleanup. Retried without end on infrastructure faults, never on ExportError. */
const steps = proxyActivities<ExportActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['ExportError'] },
});

/**
 * One export job: plan, export every partition in parallel (bounded), then write the manifest. Large data never
 * passes through here: patient ids stay in MongoDB, resources in S3; history holds partitions and file names.
 * Cancelled or failed, it deletes what it wrote (in a scope that cannot itself be cancelled) and ends so.
 */
export async function exportWorkflow(input: ExportJobInput): Promise<ExportSummary> {
  const progress: ExportProgress = { phase: 'planning', total: 0, byType: {} };
  const files: ExportedFile[] = [];
  setHandler(exportProgressQuery, () => progress);
  setHandler(exportFilesQuery, () => files);

  // Patient ids travel once, in the start event; the plan saves them to MongoDB for the partitions.
  const job: ExportJobInput = { ...input };
  delete job.patients;
  const fields = jobLogFields('export', input);
  try {
    const plan = await steps.planExport(input);
    log.info('export planned', { ...fields, partitions: plan.partitions.length, total: plan.total });
    files.push(...plan.files);
    progress.total = plan.total;
    progress.phase = 'exporting';
    const { exportPartition } = proxyActivities<ExportActivities>(
      resumableActivity(plan.heartbeatTimeoutSeconds, 'ExportError'),
    );
    const patientSet = plan.patientSet;
    await mapBounded(plan.partitions, plan.concurrency, async (partition) => {
      const written = await exportPartition({ job, partition, ...(patientSet ? { patientSet } : {}) });
      files.push(...written);
      const outputs = written.reduce((sum, f) => sum + (f.kind === 'output' ? f.count : 0), 0);
      if (outputs > 0) progress.byType[partition.type] = (progress.byType[partition.type] ?? 0) + outputs;
    });
    progress.phase = 'finalizing';
    const summary = await steps.finalizeExport({ job, files });
    progress.phase = 'done';
    log.info('export completed', { ...fields, ...summary });
    return summary;
  } catch (error) {
    const status = isCancellation(error) ? 'cancelled' : 'failed';
    // Not its message: a failure may quote what it failed on; the job's status says what happened.
    log.warn(`export ${status}`, fields);
    await CancellationScope.nonCancellable(() =>
      steps.abandonExport({ job, status, ...(status === 'failed' ? { message: messageOf(error) } : {}) }),
    );
    throw error;
  }
}
