/**
 * Where a job's objects live: `{tenant}/export/{jobId}/{Type}-{partition}-{seq}.ndjson` plus `manifest.json`.
 * Names are deterministic so a retried activity overwrites its own unfinished file instead of adding a second one.
 */
export const jobPrefix = (tenant: string, jobId: string) => `${tenant}/export/${jobId}/`;

export const outputKey = (tenant: string, jobId: string, type: string, partition: number, seq: number) =>
  `${jobPrefix(tenant, jobId)}${type}-${partition}-${seq}.ndjson`;

export const manifestKey = (tenant: string, jobId: string) => `${jobPrefix(tenant, jobId)}manifest.json`;

/** The file name clients see in download URLs: the key without the job prefix. */
export const fileName = (key: string) => key.slice(key.lastIndexOf('/') + 1);
