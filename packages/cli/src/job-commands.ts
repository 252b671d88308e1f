import { type Connection, type JobKind, statusUrls } from './connection';
import { failureText, sendPolitely } from './polling';
import { parseProgress } from './progress-header';
import type { Output } from './output';

/** The first of a reference's status URLs that knows the job, with that answer (404s are tried past). */
async function find(connection: Connection, reference: string, kind: JobKind | undefined, method: 'GET' | 'DELETE') {
  const urls = statusUrls(connection.base, reference, kind);
  for (const [i, url] of urls.entries()) {
    const response = await sendPolitely(connection.send, url, { method, headers: { Accept: 'application/fhir+json' } });
    if (response.status !== 404 || i === urls.length - 1) return { url, response };
    await response.body?.cancel();
  }
  throw new Error('unreachable');
}

/**
 * `fhir-bulk status`: one poll. Running: its progress; done: the manifest (or import result) as JSON on stdout;
 * failed or unknown: the server's reason, and a non-zero exit.
 */
export async function runStatus(connection: Connection, reference: string, kind: JobKind | undefined, output: Output) {
  const { url, response } = await find(connection, reference, kind, 'GET');
  if (response.status === 202) {
    await response.body?.cancel();
    output.result(`running: ${parseProgress(response.headers.get('x-progress')).text} (${url})`);
    return;
  }
  if (response.status === 200) return output.result(JSON.stringify(await response.json(), null, 2));
  throw new Error(`${url} answered ${response.status}: ${await failureText(response)}`);
}

/** `fhir-bulk cancel`: DELETE on the job's status URL (a finished export's files are deleted too). */
export async function runCancel(connection: Connection, reference: string, kind: JobKind | undefined, output: Output) {
  const { url, response } = await find(connection, reference, kind, 'DELETE');
  if (response.status !== 202)
    throw new Error(`cancel of ${url} answered ${response.status}: ${await failureText(response)}`);
  await response.body?.cancel();
  output.result(`cancelled: ${url}`);
}

export interface JobsQuery {
  kind?: string;
  status?: string;
  since?: string;
  count?: number;
  /** Follow `next` links to the end instead of one page. */
  all: boolean;
  json: boolean;
}

interface ListedJob {
  jobId: string;
  kind: string;
  status: string;
  startTime: string;
  endTime?: string;
  totalRecords?: number;
  fileCount?: number;
  totalSize?: number;
  statusUrl: string;
}

/**
 * `fhir-bulk jobs`: the caller's jobs (every client's for an `admin` client) from `GET [base]/_jobs`, newest first,
 * whose answer is `{ jobs: [...], next }` (`next` the URL of the following page).
 */
export async function runJobs(connection: Connection, query: JobsQuery, output: Output): Promise<void> {
  const search = new URLSearchParams();
  if (query.kind) search.set('kind', query.kind);
  if (query.status) search.set('status', query.status);
  if (query.since) search.set('since', query.since);
  if (query.count !== undefined) search.set('_count', String(query.count));
  let url: string | undefined = `${connection.base}/_jobs${search.size > 0 ? `?${search.toString()}` : ''}`;
  const jobs: ListedJob[] = [];
  while (url) {
    const response = await sendPolitely(connection.send, url, { headers: { Accept: 'application/json' } });
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await failureText(response)}`);
    const page = (await response.json()) as { jobs: ListedJob[]; next?: string };
    jobs.push(...page.jobs);
    url = query.all ? page.next : undefined;
    if (!query.all && page.next) output.say(`more jobs: --all, or the next page at ${page.next}`);
  }
  if (query.json) return output.result(JSON.stringify(jobs, null, 2));
  if (jobs.length === 0) return output.result('no jobs');
  const rows = jobs.map((job) => [
    job.jobId,
    job.kind,
    job.status,
    job.startTime.slice(0, 19) + 'Z',
    job.endTime ? job.endTime.slice(0, 19) + 'Z' : '',
    String(job.totalRecords ?? ''),
    String(job.fileCount ?? ''),
  ]);
  output.result(table([['job', 'kind', 'status', 'started', 'ended', 'records', 'files'], ...rows]));
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
