import type { ImportJobInput, ImportProgress } from '@fhir-bulk/import';
import { importProgressQuery, type ImportSummary } from '@fhir-bulk/workflow-contract';
import { CancellationScope, isCancellation, log, proxyActivities, setHandler } from '@temporalio/workflow';
import type { ImportActivities } from '../import/activities';
import { mapBounded } from './bounded';
import { resumableActivity } from './resumable-activity';
import { messageOf } from './failure-message';
import { jobLogFields } from './job-log';

const steps = proxyActivities<ImportActivities>({
  startToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', nonRetryableErrorTypes: ['ImportError'] },
});

/**
 * One import job: plan the files, import each (`maxConcurrentFiles` at a time), then record the outcome. Lines
 * never pass through here: history holds file plans and per-file counts. Cancelled or failed, it removes its
 * error reports (in a scope that cannot itself be cancelled) and ends so; imported resources stay.
 */
export async function importWorkflow(input: ImportJobInput): Promise<ImportSummary> {
  const progress: ImportProgress = {
    phase: 'planning',
    files: input.inputs.length,
    filesDone: 0,
    totalBytes: 0,
    bytesDone: 0,
    resources: 0,
    errors: 0,
  };
  setHandler(importProgressQuery, () => progress);
  const { inputs: _inputs, ...job } = input;
  const fields = jobLogFields('import', input);
  try {
    const plan = await steps.planImport(input);
    const planned = plan.files;
    log.info('import planned', { ...fields, files: planned.length });
    progress.totalBytes = planned.reduce((sum, f) => sum + f.size, 0);
    progress.phase = 'importing';
    const { importFile } = proxyActivities<ImportActivities>(
      resumableActivity(plan.heartbeatTimeoutSeconds, 'ImportError'),
    );
    const files = await mapBounded(planned, plan.maxConcurrentFiles, async (file) => {
      const imported = await importFile({ job, file });
      progress.filesDone++;
      progress.bytesDone += file.size;
      progress.resources += imported.count;
      progress.errors += imported.errors;
      return imported;
    });
    progress.phase = 'finalizing';
    await steps.finalizeImport({ job: input, planned, files });
    progress.phase = 'done';
    log.info('import completed', { ...fields, resources: progress.resources, errors: progress.errors });
    return { files };
  } catch (error) {
    const status = isCancellation(error) ? 'cancelled' : 'failed';
    // Not its message: a failure may quote what it failed on; the job's status says what happened.
    log.warn(`import ${status}`, fields);
    await CancellationScope.nonCancellable(() =>
      steps.abandonImport({ job: input, status, ...(status === 'failed' ? { message: messageOf(error) } : {}) }),
    );
    throw error;
  }
}
