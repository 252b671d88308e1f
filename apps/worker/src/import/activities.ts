import type { ImportJobInput } from '@fhir-bulk/import';
import type { ImportDeps } from './deps';
import { abandonImport, finalizeImport, purgeExpiredImports } from './finish-import';
import { importFile, type ImportFileTask } from './import-file';
import { planImport } from './plan-import';

/** All I/O of import jobs, bound to their dependencies; the import workflow only orders these calls. */
export function createImportActivities(deps: ImportDeps) {
  return {
    planImport: (job: ImportJobInput) => planImport(deps, job),
    importFile: (task: ImportFileTask) => importFile(deps, task),
    finalizeImport: (args: Parameters<typeof finalizeImport>[1]) => finalizeImport(deps, args),
    abandonImport: (args: Parameters<typeof abandonImport>[1]) => abandonImport(deps, args),
    purgeExpiredImports: () => purgeExpiredImports(deps),
  };
}

export type ImportActivities = ReturnType<typeof createImportActivities>;
export type { ImportDeps, ImportSettings } from './deps';
