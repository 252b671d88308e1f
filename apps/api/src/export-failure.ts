import { EXPORT_ERROR, type ExportErrorCode } from '@fhir-bulk/export';
import { ApplicationFailure, type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';

/** Why a job failed, from its workflow result: the innermost failure's message and its ExportError code if any. */
export async function failureOf(
  handle: WorkflowHandle,
  statusName: string,
): Promise<{ message: string; code?: ExportErrorCode }> {
  if (statusName === 'TIMED_OUT') return { message: 'The export did not finish in time', code: 'TIMEOUT' };
  try {
    await handle.result();
    return { message: `The export ended with status ${statusName}` };
  } catch (error) {
    if (!(error instanceof WorkflowFailedError)) return { message: (error as Error).message };
    let cause: Error | undefined = error.cause;
    while (cause?.cause instanceof Error) cause = cause.cause;
    const message = cause?.message ?? error.message;
    if (cause instanceof ApplicationFailure && cause.type === EXPORT_ERROR) {
      const code = (cause.details?.[0] as { code?: ExportErrorCode } | undefined)?.code;
      return code ? { message, code } : { message };
    }
    return { message };
  }
}
