import { createApp } from '@fhir-bulk/api/src/app';
import type { AuthApi } from '@fhir-bulk/api/src/auth-api';
import { answerClientErrors } from '@fhir-bulk/api/src/client-errors';
import { statusSharing } from '@fhir-bulk/api/src/async-jobs/status-snapshots';
import { PollThrottle } from '@fhir-bulk/api/src/poll-throttle';
import { buildManifest, type ExportedFile, type ExportManifest, manifestKey } from '@fhir-bulk/export';
import type { InputChecks } from '@fhir-bulk/import';
import { createLogger } from '@fhir-bulk/logging';
import { ApiMetrics, newRegistry } from '@fhir-bulk/metrics';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fakeExportJobs, fakeImportJobs } from './fake-jobs';
import { MemoryJobListing } from './memory-job-listing';
import { MemoryObjects } from './memory-objects';
import { MemorySubmissions } from './memory-submissions';
import { MemoryTokens } from './memory-tokens';

/** The bucket import inputs may come from; an input `s3://{bucket}/{key}` is the object `{bucket}/{key}`. */
export const IMPORT_BUCKET = 'import-inputs';

/** Where the route app says the Temporal UI is (job listings link to it). */
export const TEMPORAL_UI_URL = 'http://temporal-ui.test:8233';

/**
 * The real API (createApp: every route, middleware and the error handler) on a free port, with the job interfaces,
 * job records, object store and tokens in memory: the async-request protocol (kick-off, status, cancel, manifest,
 * authorization, `$bulk-submit`) answers in milliseconds with no server running. What needs MongoDB (FHIR REST,
 * ViewDefinitions, the OAuth endpoints) is absent: a request that reaches it answers 500 and logs what it missed.
 * The integration suites cover those.
 */
export interface RouteApp {
  baseUrl: string;
  exports: ReturnType<typeof fakeExportJobs>;
  imports: ReturnType<typeof fakeImportJobs>;
  objects: MemoryObjects;
  tokens: MemoryTokens;
  /**
   * Finishes export `jobId` as its workflow would: the manifest of `files` (buildManifest, as the worker builds it)
   * written beside them, then the job completed; returns the manifest.
   */
  completeExport(jobId: string, files: ExportedFile[], expiresAt: Date): Promise<ExportManifest>;
  /** `fetch` of `path` under the app, sent with `token` as its bearer token (none when undefined). */
  request(path: string, token: string | undefined, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
}

export interface RouteAppOptions {
  /** The least time between two status polls of a job (429 sooner); 0 lets tests poll at will. */
  pollIntervalMs?: number;
  /** Retry-After of a running job's status. */
  retryAfterSeconds?: number;
  /** Files per page of a paged manifest. */
  manifestPageSize?: number;
  /** JOB_STATUS_SHARE_SECONDS: polls of a job sharing status lookups (0, none, by default). */
  statusShareSeconds?: number;
}

export async function startRouteApp({
  pollIntervalMs = 0,
  retryAfterSeconds = 5,
  manifestPageSize = 1000,
  statusShareSeconds = 0,
}: RouteAppOptions = {}): Promise<RouteApp> {
  // Listen first: the app needs its public URL, which holds the port the OS picked.
  const server = createServer();
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const exports = fakeExportJobs();
  const imports = fakeImportJobs();
  const objects = new MemoryObjects();
  const tokens = new MemoryTokens();
  const auth: AuthApi = {
    mode: 'smart',
    tokenUrl: `${baseUrl}/auth/token`,
    clients: unreachable('client registry (MongoDB)'),
    tokens: unreachable('token service (MongoDB)'),
    checkJwksUri: unreachable('jwks_uri checks'),
    principal: (token) => tokens.principal(token),
  };
  const status = {
    objects,
    throttle: new PollThrottle(pollIntervalMs),
    statusSharing: statusSharing(statusShareSeconds),
    retryAfterSeconds,
  };
  // Import inputs and submitted manifests are read from the same objects, as `{bucket}/{key}`.
  const checks: InputChecks = {
    sources: { s3Buckets: [IMPORT_BUCKET], httpPrefixes: [], tenantPrefixes: new Map() },
    sourceIo: unreachable('DNS and HTTP (http import inputs)'),
    statS3: (bucket, key) => objects.stat(`${bucket}/${key}`),
  };
  server.on(
    'request',
    createApp({
      // Errors only: unhandled ones (a request that reached an unreachable dependency) say what was missing.
      logger: createLogger('route-test', 'error'),
      // No job records here: storage held reads as none.
      metrics: new ApiMetrics(newRegistry(), async () => new Map()),
      auth,
      // The audit trail is the integration suites' (audit-trail.int.test.ts): it needs the store.
      audit: { record: () => undefined },
      exports: {
        ...status,
        jobs: exports,
        records: exports.records,
        publicBaseUrl: baseUrl,
        manifestPageSize,
        publishManifest: async (_tenant, _jobId, manifest) => manifest,
      },
      imports: {
        ...status,
        jobs: imports,
        records: imports.records,
        checks,
        submissions: new MemorySubmissions(),
        manifests: { checks, readS3Text: (bucket, key) => objects.getText(`${bucket}/${key}`) },
      },
      jobList: {
        jobs: new MemoryJobListing([
          ['export', exports.records],
          ['import', imports.records],
        ]),
        temporalUiUrl: TEMPORAL_UI_URL,
        temporalNamespace: 'default',
      },
      // Every route-test tenant speaks R4; tenants of other versions are the integration suites'.
      tenantVersions: { presumedVersionOf: async () => '4.0.1' },
      rest: {
        store: unreachable('resource store (MongoDB)'),
        transactions: unreachable('transactions (MongoDB)'),
        viewRunBudget: unreachable('$viewdefinition-run budgets'),
      },
      publicBaseUrl: baseUrl,
      readiness: {},
    }),
  );
  return {
    baseUrl,
    exports,
    imports,
    objects,
    tokens,
    async completeExport(jobId, files, expiresAt) {
      const job = exports.started.find((input) => input.jobId === jobId)!;
      const manifest = buildManifest(job, files);
      const key = manifestKey(job.tenant, jobId);
      await objects.put(key, JSON.stringify(manifest), 'application/json');
      exports.answer(jobId, { state: 'completed', manifestKey: key, expiresAt, paged: job.allowPartialManifests });
      return manifest;
    },
    request: (path, token, init = {}) =>
      fetch(`${baseUrl}${path}`, {
        ...init,
        headers: { ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }), ...init.headers },
      }),
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A dependency the route app does not have: touching it (a property, a call) throws, naming it, so a test that
 * strays from the routes the fakes serve fails at once (500, the error logged) instead of waiting on a server that
 * is not there.
 */
function unreachable<T>(what: string): T {
  const fail = () => {
    throw new Error(`Route tests have no ${what}: test this against the real stack (*.int.test.ts)`);
  };
  return new Proxy(() => undefined, { get: fail, apply: fail }) as T;
}
