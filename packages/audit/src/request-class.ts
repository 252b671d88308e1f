import type { AuditJobKind, KickoffOperation, RestAuditInteraction } from './codes';

/** What an audited API request is, from its method and its path under `[base]`. */
export type RequestClass =
  | { kind: 'rest'; interaction: RestAuditInteraction; resourceType?: string; id?: string; versionId?: string }
  | { kind: 'kickoff'; operation: KickoffOperation; target?: { type: 'Group' | 'Patient'; id: string } }
  | { kind: 'cancel'; job: AuditJobKind; jobId: string }
  | { kind: 'download'; job: AuditJobKind; jobId: string; file: string };

/** The job status paths (JOB_PATHS of packages/jobs) and the jobs behind them. */
const JOB_PATH_KINDS: Record<string, AuditJobKind> = {
  _export: 'export',
  '$bulk-export-status': 'export',
  _import: 'import',
  '_viewdefinition-export': 'view-export',
};

const KICKOFFS: Record<string, KickoffOperation> = {
  $export: 'export',
  $import: 'import',
  '$bulk-submit': 'bulk-submit',
  '$viewdefinition-export': 'view-export',
};

/**
 * Classifies a request under `[base]` (path relative to it, e.g. `/Patient/1/_history/2`); undefined for what is
 * not audited: status polls (they read no data and would drown the trail), and paths that are no FHIR request.
 * `bundleType` is the `type` of a `POST [base]/` body.
 */
export function classifyRequest(method: string, path: string, bundleType?: unknown): RequestClass | undefined {
  const parts = path
    .split('/')
    .filter((part) => part !== '')
    .map(decodeSegment);
  const last = parts[parts.length - 1];
  const job = JOB_PATH_KINDS[parts[0] ?? ''];
  if (job !== undefined) return jobRequest(method, job, parts);
  if (last !== undefined && last in KICKOFFS) return kickoff(KICKOFFS[last]!, parts);
  // Other `_` paths are no resource type: `_bulk-submit/{id}` is a status poll.
  if (parts[0]?.startsWith('_') && parts[0] !== '_history') return undefined;
  if (last?.startsWith('$')) {
    // Status operations are polls; any other operation ($viewdefinition-run) reads data.
    return last.endsWith('-status') ? undefined : { kind: 'rest', interaction: 'operation' };
  }
  return restRequest(method, parts, bundleType);
}

function jobRequest(method: string, job: AuditJobKind, parts: string[]): RequestClass | undefined {
  const [, jobId, files, file] = parts;
  if (jobId === undefined) return undefined;
  if (method === 'DELETE' && parts.length === 2) return { kind: 'cancel', job, jobId };
  if ((method === 'GET' || method === 'HEAD') && files === 'files' && file !== undefined && parts.length === 4)
    return { kind: 'download', job, jobId, file };
  return undefined;
}

function kickoff(operation: KickoffOperation, parts: string[]): RequestClass {
  const [type, id] = parts;
  if (operation === 'export' && (type === 'Group' || type === 'Patient') && parts.length === 3)
    return { kind: 'kickoff', operation, target: { type, id: id! } };
  return { kind: 'kickoff', operation };
}

function restRequest(method: string, parts: string[], bundleType: unknown): RequestClass | undefined {
  const [type, id, history, versionId] = parts;
  if (type === undefined) {
    if (method === 'POST') return { kind: 'rest', interaction: bundleType === 'batch' ? 'batch' : 'transaction' };
    return undefined;
  }
  if (type === '_history') return { kind: 'rest', interaction: 'history-system' };
  if (id === undefined) {
    if (method === 'POST') return { kind: 'rest', interaction: 'create', resourceType: type };
    return { kind: 'rest', interaction: 'search-type', resourceType: type };
  }
  if (id === '_history') return { kind: 'rest', interaction: 'history-type', resourceType: type };
  if (id === '_search') return { kind: 'rest', interaction: 'search-type', resourceType: type };
  const instance = { resourceType: type, id };
  if (history === '_history') {
    return versionId === undefined
      ? { kind: 'rest', interaction: 'history-instance', ...instance }
      : { kind: 'rest', interaction: 'vread', ...instance, versionId };
  }
  if (method === 'PUT') return { kind: 'rest', interaction: 'update', ...instance };
  if (method === 'DELETE') return { kind: 'rest', interaction: 'delete', ...instance };
  return { kind: 'rest', interaction: 'read', ...instance };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
