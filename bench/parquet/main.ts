/**
 * `npm run bench:parquet -- [--resources 1000000] [--keep] [--skip-load]`
 *
 * Loads N resources (Patient and Observation only) into tenant `benchpq` and exports them twice, each time through
 * a fresh API and worker: as NDJSON (`_type=Patient,Observation`) and as Parquet through the sample views
 * `patient-demographics` (a row per Patient) and `observation-values` (a row per value, two per blood pressure
 * through `forEach: component`). Prints both throughputs, the ratio of their times (target: Parquet at most 1.5×
 * NDJSON; reported, not enforced), output bytes and the worker's peak RSS, and writes the result to bench/results/.
 * It fails when an export fails or its counts are wrong: the NDJSON manifest must count N resources, and the Parquet
 * files, downloaded and read back with DuckDB, must hold the rows the views yield over what was loaded.
 * `--keep` leaves the data in place and a later `--skip-load` reuses it when the counts still match.
 */
import type { FhirResource } from '@fhir-bulk/sample-data';
import { connectBenchServers } from '../lib/bench-servers';
import { type Dataset, prepareDataset } from '../lib/dataset';
import { checkExported, type MeasuredExport, measureExport } from '../lib/export-client';
import { parseOptions } from '../lib/options';
import { writeResult } from '../lib/report';
import { runBenchmark } from '../lib/run-benchmark';
import { stopServices } from '../lib/services';
import { workflowPhases } from '../lib/workflow-phases';
import { formatRun, parquetBenchResult, printFormatRun, printParquetReport } from './report';
import { checkParquet, outputBytes } from './verify';
import { PARQUET_TYPES, parquetExportQuery, storeViews, ViewTally } from './views';

async function main(): Promise<void> {
  const startedAt = new Date();
  const options = parseOptions(process.argv.slice(2));
  // A database of its own: FerretDB scans whole collections for a tenant's key range (see datasetsFor in export/main.ts).
  const dataset: Dataset = { tenant: 'benchpq', database: 'benchpq', resources: options.resources };
  const services = await connectBenchServers(dataset, ['export']);
  const { mongo } = services;
  try {
    // What the views yield over the dataset, worked out while it is loaded (or generated again when reused).
    const tally = new ViewTally();
    const byType: Record<string, number> = {};
    const onResource = (resource: FhirResource) => {
      byType[resource.resourceType] = (byType[resource.resourceType] ?? 0) + 1;
      tally.add(resource);
    };
    const db = mongo.db(dataset.database);
    const loadSeconds = await prepareDataset(db, dataset, options.skipLoad, { types: PARQUET_TYPES, onResource });
    const expected = tally.expectations();

    const { tenant, resources } = dataset;
    // The figures of a run, with its output bytes read while the job's files still exist.
    const figures = async (run: MeasuredExport) =>
      formatRun(
        resources,
        run,
        await workflowPhases(services.temporal, run.job.jobId),
        await outputBytes(services.objects, tenant, run.job.jobId, run.manifest),
      );

    console.log(`${tenant}: NDJSON export of ${resources} resources`);
    const ndjson = await measureExport(services, dataset, { query: PARQUET_TYPES }, async (run) => {
      checkExported(tenant, run.manifest, resources);
      return figures(run);
    });
    printFormatRun('ndjson', ndjson);

    console.log(`${tenant}: Parquet export of ${resources} resources through ${expected.map((v) => v.id).join(', ')}`);
    const parquetRequest = { query: parquetExportQuery(), prepare: storeViews };
    const parquet = await measureExport(services, dataset, parquetRequest, async (run) => {
      console.log(`${tenant}: downloading the Parquet files and reading them with DuckDB`);
      const checks = await checkParquet(run.manifest, expected, run.send);
      const views = expected.map((view, i) => ({ ...view, ...checks[i]! }));
      return { ...(await figures(run)), views };
    });
    printFormatRun('parquet', parquet);

    const result = parquetBenchResult({
      startedAt: startedAt.toISOString(),
      options,
      tenant,
      resources,
      byType,
      loadSeconds,
      ndjson,
      parquet,
    });
    printParquetReport(result);
    console.log(`result written to ${writeResult('parquet', result)}`);
  } finally {
    await stopServices();
    if (!options.keep) await mongo.db(dataset.database).dropDatabase();
    await services.close();
  }
}

runBenchmark(main);
