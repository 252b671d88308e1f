import type { ExportedFile, ExportProgress } from '@fhir-bulk/export';
import type { ImportProgress } from '@fhir-bulk/import';
import { defineQuery } from '@temporalio/workflow';

/** A running export's phase, partitions planned and resources written per type by finished partitions. */
export const exportProgressQuery = defineQuery<ExportProgress>('progress');
/** Files of completed partitions, in the order the workflow recorded them, for partial manifests. */
export const exportFilesQuery = defineQuery<ExportedFile[]>('files');
/** A running import's phase and what its finished files did. */
export const importProgressQuery = defineQuery<ImportProgress>('importProgress');
