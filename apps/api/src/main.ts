import { AuditTrail, storeAuditSink } from '@fhir-bulk/audit';
import { loadConfig, renamedSettingWarnings } from '@fhir-bulk/config';
import { createLogger } from '@fhir-bulk/logging';
import { objectStoreFromConfig } from '@fhir-bulk/object-store';
import {
  assertMigrated,
  connectMongo,
  ResourceStore,
  tenantVersionSettings,
  TransactionRunner,
} from '@fhir-bulk/store';
import { warmUpSchema } from '@fhir-bulk/validation';
import { Client, Connection } from '@temporalio/client';
import { createApiMetrics } from './api-metrics';
import { createApp } from './app';
import { createAuthApi } from './auth-api';
import { answerClientErrors } from './client-errors';
import { createExportApi } from './export-api';
import { createImportApi } from './import-api';
import { createJobListApi } from './job-list-api';
import { createApiServer } from './transport';
import { viewRunBudget } from './view-run-budget';

/** API process: one Mongo client, one S3 client and one Temporal connection, shared by every request. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger('api', config.LOG_LEVEL);
  for (const warning of renamedSettingWarnings()) logger.warn(warning);
  // First: a TLS file that cannot be used stops the start before any connection is made.
  const tls =
    config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? { certFile: config.TLS_CERT_FILE, keyFile: config.TLS_KEY_FILE }
      : undefined;
  const server = createApiServer(tls);
  const mongo = await connectMongo(config.MONGODB_URL);
  // Data in the layout before issue 18 would be invisible to this code: refuse it until `npm run migrate` ran.
  await assertMigrated(mongo.db(config.MONGODB_DB));
  const objects = objectStoreFromConfig(config);
  await objects.ensureBucket();
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const store = new ResourceStore(mongo.db(config.MONGODB_DB), undefined, {
    tenantVersions: tenantVersionSettings(config),
  });
  // TENANT_FHIR_VERSIONS recorded, or refused for a tenant that holds resources in another version.
  await store.tenantVersions.applyConfigured();
  const transactions = await TransactionRunner.create(store, mongo);
  // A transaction Bundle cut off by a crash of this service is rolled back before new requests arrive.
  const recovered = await transactions.recover();
  if (recovered > 0) logger.warn({ recovered }, 'rolled back unfinished transactions');

  // The resource schema compiles in seconds: before listening, not inside the first write's request.
  warmUpSchema();
  // Requests queue their AuditEvents; a background flush writes them, a batch per tenant (docs/audit.md).
  const audit = new AuditTrail({ sink: storeAuditSink(store), log: logger });
  const metrics = createApiMetrics(store.db);
  const app = createApp({
    logger,
    audit,
    metrics,
    auth: createAuthApi(config, { db: store.db, logger }),
    exports: createExportApi(config, { client, db: store.db, objects, metrics }),
    imports: createImportApi(config, { client, db: store.db, objects, metrics }),
    jobList: createJobListApi(config, store.db),
    rest: { store, transactions, viewRunBudget: viewRunBudget(config) },
    tenantVersions: store.tenantVersions,
    bodyLimitBytes: config.API_BODY_LIMIT_BYTES,
    publicBaseUrl: config.PUBLIC_BASE_URL,
    tls: tls !== undefined,
    readiness: {
      mongodb: () => mongo.db(config.MONGODB_DB).command({ ping: 1 }),
      s3: () => objects.ping(),
      temporal: () => connection.workflowService.getSystemInfo({}),
    },
  });
  server.on('request', app);
  answerClientErrors(server);
  server.listen(config.API_PORT, config.API_HOST, () => {
    const transport = tls ? 'https' : 'http';
    logger.info({ url: config.PUBLIC_BASE_URL, transport, temporalUi: config.TEMPORAL_UI_URL }, 'api listening');
  });

  const shutdown = () => {
    logger.info('api stopping');
    server.close(() => {
      // The audit events of the last requests are written before the store's connection goes. A close that fails
      // ends the stopping process as an unhandled rejection (exit 1), which is what it should.
      void audit
        .close()
        .then(() => Promise.all([connection.close(), mongo.close()]))
        .then(() => process.exit(0));
    });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
