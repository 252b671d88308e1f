import type { ExportJobInput } from '@fhir-bulk/export';
import type { ExportDeps } from './deps';
import { exportPartition, type PartitionTask } from './export-partition';
import { abandonExport, finalizeExport, purgeExpiredExports, purgeExport } from './finish-export';
import { planExport } from './plan-export';

/** All I/O of export jobs, bound to their dependencies; workflows only order these calls. */
export function createExportActivities(deps: ExportDeps) {
  return {
    planExport: (input: ExportJobInput) => planExport(deps, input),
    exportPartition: (task: PartitionTask) => exportPartition(deps, task),
    finalizeExport: (args: Parameters<typeof finalizeExport>[1]) => finalizeExport(deps, args),
    abandonExport: (args: Parameters<typeof abandonExport>[1]) => abandonExport(deps, args),
    purgeExport: (args: Parameters<typeof purgeExport>[1]) => purgeExport(deps, args),
    purgeExpiredExports: () => purgeExpiredExports(deps),
  };
}

export type ExportActivities = ReturnType<typeof createExportActivities>;
export type { ExportDeps, ExportSettings } from './deps';
