import type { ImportInput, ImportMode } from './import-job';

/** The `Parameters` body of an $import kick-off, as a client sends it (sample script, benchmark, tests). */
export function importKickoffBody(inputs: readonly ImportInput[], mode: ImportMode = 'IncrementalLoad') {
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'inputFormat', valueString: 'application/fhir+ndjson' },
      { name: 'mode', valueString: mode },
      ...inputs.map(({ type, url, etag }) => ({
        name: 'input',
        part: [
          { name: 'type', valueString: type },
          { name: 'url', valueUri: url },
          ...(etag ? [{ name: 'etag', valueString: etag }] : []),
        ],
      })),
    ],
  };
}
