import {
  buildManifest,
  type ExportedFile,
  type ExportJobInput,
  type ExportManifest,
  manifestKey,
  NDJSON,
  ndjsonChunks,
  outputKey,
} from '@fhir-bulk/export';
import type { ObjectStore } from '@fhir-bulk/object-store';
import type { ResourceStore } from '@fhir-bulk/store';
import { heartbeat } from '@temporalio/activity';
import { Readable } from 'node:stream';

export interface ExportActivityDeps {
  store: ResourceStore;
  objects: ObjectStore;
}

/** Heartbeat every this many resources: often enough for progress and cancellation, rare enough to be free. */
const HEARTBEAT_EVERY = 1_000;

/** All I/O of an export job; the workflow only orders these calls. */
export function createExportActivities({ store, objects }: ExportActivityDeps) {
  return {
    /** Streams one type from a Mongo cursor into one NDJSON object; memory is bounded by the upload part size. */
    async exportType({ input, type }: { input: ExportJobInput; type: string }): Promise<ExportedFile> {
      const key = outputKey(input.tenant, input.jobId, type, 0, 0);
      const cursor = store.streamCurrent(input.tenant, type, { until: new Date(input.transactionTime) });
      let count = 0;
      const resources = (async function* () {
        for await (const doc of cursor) yield doc.resource;
      })();
      const chunks = ndjsonChunks(resources, () => {
        if (++count % HEARTBEAT_EVERY === 0) heartbeat({ type, count });
      });
      const { size } = await objects.put(key, Readable.from(chunks), NDJSON);
      // An empty type leaves no object behind (the manifest lists only files with resources).
      if (count === 0) await objects.delete(key);
      return { type, key, count, size };
    },

    /** Writes manifest.json beside the files; the manifest is also the workflow's result. */
    async finalizeExport({ input, files }: { input: ExportJobInput; files: ExportedFile[] }): Promise<ExportManifest> {
      const manifest = buildManifest(input, files);
      await objects.put(manifestKey(input.tenant, input.jobId), JSON.stringify(manifest, null, 2), 'application/json');
      return manifest;
    },
  };
}

export type ExportActivities = ReturnType<typeof createExportActivities>;
