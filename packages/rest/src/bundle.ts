import { badRequest, OperationOutcomeError } from '@fhir-bulk/fhir';
import type { TransactionOp } from '@fhir-bulk/store';
import { read, remove, save, versionUrl, withConflicts } from './crud';
import { type PlannedEntry, planEntry, resolveReferences } from './bundle-entries';
import { etag, type FhirResponse } from './fhir-response';
import type { RestContext } from './rest-context';

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
};
const statusLine = (status: number) => `${status} ${REASONS[status] ?? ''}`.trim();

/** POST [base]/ with a Bundle: `transaction` (all or nothing) or `batch` (each entry on its own). */
export async function processBundle(ctx: RestContext, body: unknown): Promise<FhirResponse> {
  const bundle = body as { resourceType?: unknown; type?: unknown; entry?: unknown };
  if (bundle?.resourceType !== 'Bundle') throw badRequest('The body must be a Bundle', 'Bundle');
  if (bundle.entry !== undefined && !Array.isArray(bundle.entry))
    throw badRequest('Bundle.entry must be an array', 'Bundle.entry');
  const entries = (bundle.entry ?? []) as unknown[];
  if (!isBundleType(bundle.type)) throw badRequest(`Bundle.type must be ${BUNDLE_TYPES.join(' or ')}`, 'Bundle.type');
  return BUNDLE_PROCESSORS[bundle.type](ctx, entries);
}

const BUNDLE_PROCESSORS = { transaction, batch } as const;
type BundleType = keyof typeof BUNDLE_PROCESSORS;
/** The Bundle types `POST [base]/` processes: the system interactions the CapabilityStatement declares. */
export const BUNDLE_TYPES = Object.keys(BUNDLE_PROCESSORS) as BundleType[];
const isBundleType = (type: unknown): type is BundleType =>
  typeof type === 'string' && Object.hasOwn(BUNDLE_PROCESSORS, type);

/** Validates every entry before writing any; then all writes commit together or none remains. */
async function transaction(ctx: RestContext, rawEntries: unknown[]): Promise<FhirResponse> {
  const planned = rawEntries.map((raw, index) => planEntry(raw, index, ctx.fhirVersion));
  // All or nothing: one entry the caller may not do refuses the whole Bundle before anything is written.
  for (const entry of planned) authorizeEntry(ctx, entry);
  const seen = new Set<string>();
  for (const entry of planned) {
    const key = `${entry.type}/${entry.id}`;
    if (entry.method !== 'GET' && seen.has(key)) {
      throw badRequest(
        `Bundle.entry[${entry.index}]: ${key} is written twice in one transaction`,
        `Bundle.entry[${entry.index}]`,
      );
    }
    seen.add(key);
  }
  resolveReferences(planned, rawEntries);
  const writes = planned.filter((e) => e.method !== 'GET');
  await checkReads(ctx, planned, writes);
  const ops: TransactionOp[] = writes.map((e) => ({
    type: e.type,
    id: e.id,
    resource: e.resource,
    ifMatch: e.ifMatch,
  }));
  const outcomes = await withConflicts(() => ctx.transactions.run(ctx.tenant, ops));
  const responses = new Map<number, unknown>();
  writes.forEach((entry, i) => responses.set(entry.index, writeEntry(entry, outcomes[i]!)));
  // Reads see the transaction's own writes, as the spec orders GETs after writes.
  for (const entry of planned.filter((e) => e.method === 'GET'))
    responses.set(entry.index, toEntry(ctx, await read(ctx, entry.type, entry.id)));
  return responseBundle(
    'transaction-response',
    planned.map((e) => responses.get(e.index)),
  );
}

/**
 * A transaction's reads run after its writes commit, so a read that would fail must fail first, while nothing is
 * written yet: a GET of what the transaction does not write must find the resource now (404/410 otherwise), and a
 * GET of what it deletes could only answer 410.
 */
async function checkReads(ctx: RestContext, planned: PlannedEntry[], writes: PlannedEntry[]): Promise<void> {
  const written = new Map(writes.map((entry) => [`${entry.type}/${entry.id}`, entry]));
  for (const entry of planned.filter((e) => e.method === 'GET')) {
    const write = written.get(`${entry.type}/${entry.id}`);
    if (!write) await read(ctx, entry.type, entry.id);
    else if (write.method === 'DELETE') {
      throw badRequest(
        `Bundle.entry[${entry.index}]: reads ${entry.type}/${entry.id}, which entry ${write.index} deletes`,
        `Bundle.entry[${entry.index}]`,
      );
    }
  }
}

/** Each entry succeeds or fails alone; a failure becomes that entry's outcome, never the whole response. */
async function batch(ctx: RestContext, rawEntries: unknown[]): Promise<FhirResponse> {
  const entries = [];
  for (const [index, raw] of rawEntries.entries()) {
    try {
      const entry = planEntry(raw, index, ctx.fhirVersion);
      entries.push(toEntry(ctx, await runOne(ctx, entry)));
    } catch (error) {
      if (!(error instanceof OperationOutcomeError)) throw error;
      entries.push({ response: { status: statusLine(error.status), outcome: error.outcome } });
    }
  }
  return responseBundle('batch-response', entries);
}

/** One batch entry, already validated by planEntry. */
function runOne(ctx: RestContext, entry: PlannedEntry): Promise<FhirResponse> {
  authorizeEntry(ctx, entry);
  if (entry.method === 'GET') return read(ctx, entry.type, entry.id);
  if (entry.method === 'DELETE') return remove(ctx, entry.type, entry.id, entry.ifMatch);
  return save(ctx, entry.resource!, entry.ifMatch);
}

const ENTRY_INTERACTIONS = { GET: 'read', POST: 'create', PUT: 'update', DELETE: 'delete' } as const;

const authorizeEntry = (ctx: RestContext, entry: PlannedEntry) =>
  ctx.authorize(entry.type, ENTRY_INTERACTIONS[entry.method]);

function writeEntry(
  entry: PlannedEntry,
  { doc, created }: Awaited<ReturnType<RestContext['transactions']['run']>>[number],
) {
  if (!doc || entry.method === 'DELETE') return { response: { status: statusLine(204) } };
  return {
    response: {
      status: statusLine(created ? 201 : 200),
      location: versionUrl(entry.type, entry.id, doc.versionId),
      etag: etag(doc.versionId),
      lastModified: doc.lastUpdated.toISOString(),
    },
  };
}

/** A handler's response as a Bundle entry; Location is made relative to [base] as the spec's examples show. */
function toEntry(ctx: RestContext, response: FhirResponse) {
  const headers = response.headers ?? {};
  return {
    ...(response.body ? { resource: response.body } : {}),
    response: {
      status: statusLine(response.status),
      ...(headers.Location ? { location: headers.Location.replace(`${ctx.baseUrl}/`, '') } : {}),
      ...(headers.ETag ? { etag: headers.ETag } : {}),
      ...(headers['Last-Modified'] ? { lastModified: new Date(headers['Last-Modified']).toISOString() } : {}),
    },
  };
}

function responseBundle(type: string, entry: unknown[]): FhirResponse {
  return { status: 200, body: { resourceType: 'Bundle', type, entry } };
}
