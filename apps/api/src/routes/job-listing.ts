import { isAdmin } from '@fhir-bulk/auth';
import { parseInstant } from '@fhir-bulk/export';
import { badRequest } from '@fhir-bulk/fhir';
import {
  decodeCursor,
  encodeCursor,
  JOB_PATHS,
  JOB_STATES,
  type JobListQuery,
  type JobPage,
  jobStatusUrl,
  type ListedJob,
  LISTED_KINDS,
} from '@fhir-bulk/jobs';
import { type Request, Router } from 'express';
import { principalOf } from '../auth/principal-of';
import { baseUrlOf, tenantOf } from '../fhir-base';

export interface JobListDeps {
  jobs: { list(query: JobListQuery): Promise<JobPage> };
  publicBaseUrl: string;
  /** The Temporal Web UI and the namespace jobs run in: each job links to its workflow there. */
  temporalUiUrl: string;
  temporalNamespace: string;
}

const DEFAULT_COUNT = 50;
const MAX_COUNT = 1000;
const PARAMETERS = new Set(['kind', 'status', 'since', '_count', 'cursor']);

/** Where each kind of job is polled (view exports are export jobs polled for Parameters). */
const STATUS_PATHS = { export: JOB_PATHS.export, import: JOB_PATHS.import, 'view-export': JOB_PATHS.viewExport };

/**
 * `GET [base]/_jobs`: the tenant's export, view export and import jobs, newest first, for operators and clients
 * watching their work. FHIR has no resource for a list of jobs, so the answer is plain JSON (`{ jobs, next }`), each
 * job with the product spec's metrics, its status URL and its workflow in the Temporal UI. A client sees only the
 * jobs it started; an `admin` client sees every client's.
 */
export function jobListingRoutes(deps: JobListDeps): Router {
  const router = Router({ mergeParams: true });
  router.get('/_jobs', async (req, res) => {
    const principal = principalOf(req);
    const query = parseListQuery(req);
    const page = await deps.jobs.list({
      ...query,
      tenant: tenantOf(req),
      ...(isAdmin(principal) ? {} : { requestedBy: principal.clientId }),
    });
    const baseUrl = baseUrlOf(deps.publicBaseUrl, req);
    const ui = deps.temporalUiUrl.replace(/\/$/, '');
    const workflowUrl = (jobId: string) =>
      `${ui}/namespaces/${encodeURIComponent(deps.temporalNamespace)}/workflows/${encodeURIComponent(jobId)}`;
    const body: JobListingBody = {
      jobs: page.jobs.map((job) =>
        listedJob(job, jobStatusUrl(baseUrl, STATUS_PATHS[job.kind], job.record._id), workflowUrl(job.record._id)),
      ),
      ...(page.next ? { next: nextLink(req, baseUrl, encodeCursor(page.next)) } : {}),
    };
    res.type('application/json').json(body);
  });
  return router;
}

/** The answer's body, as clients (and the tests) read it. */
export interface JobListingBody {
  jobs: Array<ReturnType<typeof listedJob>>;
  /** The next page's URL; absent on the last page. */
  next?: string;
}

/** One job as listed: the product spec's per-job metrics (its `exportId` is `jobId`, for imports too). */
function listedJob({ kind, record }: ListedJob, statusUrl: string, temporalUrl: string) {
  return {
    jobId: record._id,
    kind,
    status: record.status,
    requestedBy: record.requestedBy,
    request: record.request,
    types: record.types,
    startTime: record.startTime.toISOString(),
    ...(record.endTime ? { endTime: record.endTime.toISOString() } : {}),
    ...(record.totalRecords === undefined ? {} : { totalRecords: record.totalRecords }),
    ...(record.fileCount === undefined ? {} : { fileCount: record.fileCount }),
    ...(record.totalSize === undefined ? {} : { totalSize: record.totalSize }),
    statusUrl,
    temporalUrl,
  };
}

/** The same listing's next page: its filters kept, the cursor replaced. */
function nextLink(req: Request, baseUrl: string, cursor: string): string {
  const search = new URLSearchParams(new URL(req.originalUrl, 'http://x').search);
  search.set('cursor', cursor);
  return `${baseUrl}/_jobs?${search.toString()}`;
}

type ParsedQuery = Omit<JobListQuery, 'tenant' | 'requestedBy'>;

/** The listing's parameters; anything unknown, repeated or malformed is a 400 naming it. */
function parseListQuery(req: Request): ParsedQuery {
  const search = new URLSearchParams(new URL(req.originalUrl, 'http://x').search);
  for (const name of new Set(search.keys())) {
    if (!PARAMETERS.has(name))
      throw badRequest(`Unknown parameter ${name}; _jobs takes ${[...PARAMETERS].join(', ')}`, name);
    if (search.getAll(name).length > 1)
      throw badRequest(`Parameter ${name} may be given once (a comma-separated list for kind and status)`, name);
  }
  const kinds = listOf(search.get('kind'), 'kind', LISTED_KINDS);
  const statuses = listOf(search.get('status'), 'status', JOB_STATES);
  const since = search.get('since');
  const count = search.get('_count');
  const cursor = search.get('cursor');
  const after = cursor === null ? undefined : decodeCursor(cursor);
  if (cursor !== null && !after) throw badRequest('cursor is not one a next link of _jobs gave', 'cursor');
  return {
    kinds,
    statuses,
    ...(since === null ? {} : { since: new Date(parseInstant('since', since)) }),
    count: count === null ? DEFAULT_COUNT : countOf(count),
    ...(after ? { after } : {}),
  };
}

function listOf<T extends string>(value: string | null, name: string, allowed: readonly T[]): T[] {
  if (value === null) return [];
  const items = value.split(',');
  const unknown = items.filter((item) => !allowed.includes(item as T));
  if (unknown.length > 0)
    throw badRequest(`${name} must be among ${allowed.join(', ')}, not ${unknown.join(', ')}`, name);
  return items as T[];
}

function countOf(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1 || count > MAX_COUNT) {
    throw badRequest(`_count must be a whole number from 1 to ${MAX_COUNT}, not "${value}"`, '_count');
  }
  return count;
}
