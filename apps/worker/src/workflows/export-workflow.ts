import type { ExportedFile, ExportJobInput, ExportPlan, ExportProgress } from '@fhir-bulk/export';
import { CancellationScope, defineQuery, isCancellation, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ExportActivities } from '../export/activities';
import type { ExportSummary } from '../export/finish-export';
import { mapBounded } from './bounded';
import { resumableActivity } from './resumable-activity';
import { messageOf } from './failure-message';

// Same strings as EXPORT_PROGRESS_QUERY / EXPORT_FILES_QUERY; defined here so the sandbox imports no package code.
export const progressQuery = defineQuery<ExportProgress>('progress');
export const filesQuery = defineQuery<ExportedFile[]>('files');

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
  setHandler(progressQuery, () => progress);
  setHandler(filesQuery, () => files);

  // Patient ids travel once, in the start event; the plan saves them to MongoDB for the partitions.
  const job: ExportJobInput = { ...input };
  delete job.patients;
  let plan: ExportPlan | undefined;
  try {
    plan = await steps.planExport(input);
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
    const summary = await steps.finalizeExport({ job, files, ...(patientSet ? { patientSet } : {}) });
    progress.phase = 'done';
    return summary;
  } catch (error) {
    const status = isCancellation(error) ? 'cancelled' : 'failed';
    const patientSet = plan?.patientSet;
    await CancellationScope.nonCancellable(() =>
      steps.abandonExport({
        job,
        status,
        ...(status === 'failed' ? { message: messageOf(error) } : {}),
        ...(patientSet ? { patientSet } : {}),
      }),
    );
    throw error;
  }
}
