import { jobPrefix } from '@fhir-bulk/export';
import { EXPORT_JOBS_COLLECTION } from '@fhir-bulk/jobs';
import type { OperationOutcome } from '@fhir-bulk/fhir';
import { bulkLoad } from '@fhir-bulk/store';
import { type BulkStack, pollUntilDone, startBulkStack, waitFor } from '@fhir-bulk/test-support';
import { RETENTION_WORKFLOW } from '@fhir-bulk/worker/src/retention-schedule';
import { type GatedWorker, startGatedWorker } from './gated-worker';

/**
 * A job that outlives JOB_TIMEOUT_HOURS: Temporal ends it (no cleanup step can run), the poll answers 504 with
 * the TIMEOUT code, and the retention workflow later deletes whatever it had written.
 */
let stack: BulkStack;
let gated: GatedWorker;
beforeAll(async () => {
  stack = await startBulkStack({
    env: { JOB_TIMEOUT_HOURS: String(3 / 3600), JOB_RETENTION_HOURS: '0' },
    inProcessWorker: false,
  });
  gated = await startGatedWorker(stack);
});
afterAll(async () => {
  await gated?.stop();
  await stack?.stop();
});

it('fails a job that runs past its timeout with 504 TIMEOUT, and retention removes what it left', async () => {
  await bulkLoad(stack.store, 'slow', [{ resourceType: 'Patient', id: 'p1' }]);
  gated.hold('slow/Patient');
  // Lenient with an unknown parameter: the plan writes an `error` file, so the job leaves something in S3.
  const response = await stack.fetch(`${stack.baseUrl}/tenant/slow/$export?_type=Patient&_unknown=1`, {
    headers: { Prefer: 'respond-async, handling=lenient' },
  });
  expect(response.status).toBe(202);
  const statusUrl = response.headers.get('content-location')!;
  const jobId = statusUrl.split('/').pop()!;
  const prefix = jobPrefix('slow', jobId);
  await waitFor(async () => (await stack.objects.list(prefix)).length > 0, 30_000, 'the error file');

  const failed = await pollUntilDone(statusUrl, stack.fetch, 60_000);
  expect(failed.status).toBe(504);
  const outcome = (await failed.json()) as OperationOutcome;
  expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'timeout' });
  expect(outcome.issue[0]?.diagnostics).toContain('TIMEOUT');
  expect((await stack.client.workflow.getHandle(jobId).describe()).status.name).toBe('TIMED_OUT');
  expect(await stack.objects.list(prefix)).not.toEqual([]);

  // Abandoned means started longer ago than the timeout (plus retention, 0 here) by the record's own clock.
  const jobs = stack.store.db.collection<{ _id: string; startTime: Date }>(EXPORT_JOBS_COLLECTION);
  const { startTime } = (await jobs.findOne({ _id: jobId }))!;
  await waitFor(() => Date.now() - startTime.getTime() > 3_500, 10_000, 'the timeout to pass since the start');
  await stack.client.workflow.execute(RETENTION_WORKFLOW, {
    taskQueue: stack.config.TEMPORAL_TASK_QUEUE,
    workflowId: `retention-${jobId}`,
    args: [],
  });
  expect(await stack.objects.list(prefix)).toEqual([]);
  expect(await jobs.findOne({ _id: jobId })).toMatchObject({ status: 'expired' });
  expect((await stack.fetch(statusUrl)).status).toBe(404);
});
