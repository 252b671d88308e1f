import {
  EXPORT_PROGRESS_QUERY,
  EXPORT_WORKFLOW,
  type ExportJobInput,
  type ExportManifest,
  type ExportProgress,
  SEARCH_ATTRIBUTES,
} from '@fhir-bulk/export';
import { type Client, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { ExportJobs, ExportJobStatus } from './export-jobs';

const kindKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.kind, SearchAttributeType.KEYWORD);
const tenantKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.tenant, SearchAttributeType.KEYWORD);
const typesKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.types, SearchAttributeType.KEYWORD_LIST);
const formatKey = defineSearchAttributeKey(SEARCH_ATTRIBUTES.format, SearchAttributeType.KEYWORD);

/** Export jobs as Temporal workflows: workflowId = job id, so a job's whole history is one workflow in the UI. */
export class TemporalExportJobs implements ExportJobs {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  async start(input: ExportJobInput): Promise<void> {
    await this.client.workflow.start(EXPORT_WORKFLOW, {
      taskQueue: this.taskQueue,
      workflowId: input.jobId,
      args: [input],
      typedSearchAttributes: [
        { key: kindKey, value: 'export' },
        { key: tenantKey, value: input.tenant },
        { key: typesKey, value: input.types },
        { key: formatKey, value: input.outputFormat },
      ],
      memo: { tenant: input.tenant, request: input.requestUrl },
    });
  }

  async status(tenant: string, jobId: string): Promise<ExportJobStatus> {
    const handle = this.client.workflow.getHandle(jobId);
    let description;
    try {
      description = await handle.describe();
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { state: 'not-found' };
      throw error;
    }
    if (description.memo?.tenant !== tenant) return { state: 'not-found' };
    switch (description.status.name) {
      case 'RUNNING':
        // A query needs a live worker; without one the job is still running, just without details.
        return {
          state: 'running',
          progress: await handle.query<ExportProgress>(EXPORT_PROGRESS_QUERY).catch(() => undefined),
        };
      case 'COMPLETED':
        return {
          state: 'completed',
          manifest: (await handle.result()) as ExportManifest,
          completedAt: description.closeTime ?? new Date(),
        };
      case 'CANCELLED':
        return { state: 'cancelled' };
      default:
        return { state: 'failed', message: await failureMessage(handle.result(), description.status.name) };
    }
  }
}

async function failureMessage(result: Promise<unknown>, statusName: string): Promise<string> {
  try {
    await result;
    return `export ended with status ${statusName}`;
  } catch (error) {
    if (error instanceof WorkflowFailedError) return error.cause?.message ?? error.message;
    return error instanceof Error ? error.message : String(error);
  }
}
