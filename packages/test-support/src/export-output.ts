import { type ExportManifest, fileName, jobPrefix, OUTPUT_FILE_NAME } from '@fhir-bulk/export';
import type { ObjectStore } from '@fhir-bulk/object-store';

/**
 * Reads every output file a job left in S3 (not what the manifest claims: what is really there) and counts how
 * often each `Type/id` occurs, so tests can assert "every resource exactly once".
 */
export async function exportedResourceCounts(objects: ObjectStore, tenant: string, jobId: string) {
  const counts = new Map<string, number>();
  for (const key of await objects.list(jobPrefix(tenant, jobId))) {
    const name = fileName(key);
    if (!OUTPUT_FILE_NAME.test(name) || name.includes('-deleted-') || name.startsWith('OperationOutcome-')) continue;
    for (const line of (await objects.getText(key)).split('\n')) {
      if (line === '') continue;
      const resource = JSON.parse(line) as { resourceType: string; id: string };
      const ref = `${resource.resourceType}/${resource.id}`;
      counts.set(ref, (counts.get(ref) ?? 0) + 1);
    }
  }
  return counts;
}

/** Asserts-ready summary: refs seen more than once, and refs expected but missing. */
export function exactlyOnce(counts: Map<string, number>, expected: Iterable<string>) {
  const wanted = new Set(expected);
  return {
    duplicated: [...counts].filter(([, n]) => n > 1).map(([ref]) => ref),
    missing: [...wanted].filter((ref) => !counts.has(ref)),
    unexpected: [...counts.keys()].filter((ref) => !wanted.has(ref)),
  };
}

export const manifestTotal = (manifest: ExportManifest) => manifest.output.reduce((sum, o) => sum + o.count, 0);
