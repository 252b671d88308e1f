/**
 * `fhir-bulk`: a Bulk Data client for this server (and others that follow the IG), over HTTP only.
 *   npx fhir-bulk export --type Patient,Observation --out ./out
 *   npx fhir-bulk import ./out --tenant other
 *   npx fhir-bulk status <status URL | job id>, cancel <…>, jobs [--status running]
 * `npx fhir-bulk --help` and `npx fhir-bulk <command> --help` list every option.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { connect, type ConnectionOptions, DEFAULT_API, type JobKind, STATUS_PATHS } from './connection';
import { runExport } from './export-command';
import { UsageError } from './export-kickoff';
import { runImport } from './import-command';
import { runCancel, runJobs, runStatus } from './job-commands';
import { createOutput } from './output';
import { version } from '../package.json';

const output = createOutput();

/** A repeatable option whose values may also be comma-separated: `--type A,B --type C` is A, B, C. */
const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];
const repeated = (value: string, previous: string[] = []) => [...previous, value];
const positive = (value: string) => {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('a whole number of 1 or more');
  return number;
};

const program = new Command('fhir-bulk')
  .description(
    'FHIR Bulk Data client: export, import, job status, cancel and listing, with SMART Backend Services auth',
  )
  .addOption(
    new Option('--api <url>', 'the API root').env('FHIR_BULK_API').default(process.env.PUBLIC_BASE_URL ?? DEFAULT_API),
  )
  .addOption(
    new Option('--tenant <id>', 'the tenant ([base] = <api>/tenant/<id>; "default" is <api>)').env('FHIR_BULK_TENANT'),
  )
  .addOption(
    new Option('--client <file>', 'a client file of `npm run auth -- register` (client id, token URL, key)').env(
      'FHIR_BULK_CLIENT',
    ),
  )
  .addOption(new Option('--client-id <id>', 'the registered client id (with --key)').env('FHIR_BULK_CLIENT_ID'))
  .addOption(new Option('--key <file>', 'its private key: a JWK or a PKCS#8 PEM file').env('FHIR_BULK_KEY'))
  .addOption(new Option('--kid <kid>', 'the key id it was registered with (needed for a PEM key)').env('FHIR_BULK_KID'))
  .addOption(
    new Option('--scope <scopes>', "scopes to ask for (default: the client file's, else system/*.*)").env(
      'FHIR_BULK_SCOPE',
    ),
  )
  .version(version)
  .showHelpAfterError();

const kindOption = () =>
  new Option('--kind <kind>', 'the job kind, when a job id is given (default: each in turn)').choices(
    Object.keys(STATUS_PATHS),
  );

const connectionOf = (command: Command) => connect(command.optsWithGlobals<ConnectionOptions>());

program
  .command('export')
  .description('kick off an export, follow its progress, download and check its files into --out')
  .requiredOption('--out <dir>', 'where the files and manifest.json go')
  .option('--patient-level', "Patient/$export: every patient's compartment")
  .option('--group <id>', 'Group/<id>/$export')
  .option('--patient <id>', 'Patient/<id>/$export: one patient')
  .option('--patients <ids>', 'the patient parameter (ids or Patient/ references; sent by POST)', list)
  .option('--type <types>', '_type (repeatable, comma-separated)', list)
  .option('--since <instant>', '_since')
  .option('--until <instant>', '_until')
  .option('--type-filter <query>', '_typeFilter, e.g. Observation?status=final (repeatable)', repeated)
  .option('--elements <elements>', '_elements (repeatable, comma-separated)', list)
  .option('--output-format <format>', '_outputFormat')
  .option('--parquet', 'Parquet rows of --view (_outputFormat=application/vnd.apache.parquet)')
  .option('--view <ids>', '_viewDefinition: stored ViewDefinition ids (repeatable, comma-separated)', list)
  .option('--organize-output-by <type>', 'organizeOutputBy (Patient)')
  .option('--include-associated-data <values>', 'includeAssociatedData, e.g. _deleted', list)
  .option('--allow-partial-manifests', "allowPartialManifests=true (the manifest's pages are joined)")
  .option('--lenient', 'Prefer: handling=lenient (unsupported parameters are skipped, listed in the error file)')
  .option('--resume', 'go on with the export already started into --out: keep complete files, resume partial ones')
  .option('--concurrency <n>', 'downloads at once', positive, 4)
  .action(async (options, command: Command) => {
    await runExport(await connectionOf(command), { ...options, resume: options.resume === true }, output);
  });

program
  .command('import')
  .description('upload NDJSON files to the import bucket, $import them, follow progress, sum up and save error files')
  .argument('<paths...>', 'NDJSON files, or folders of *.ndjson files')
  .option('--type <type>', "the resource type of every file (default: each file's first resourceType)")
  .addOption(
    new Option('--mode <mode>', '$import mode').choices(['IncrementalLoad', 'InitialLoad']).default('IncrementalLoad'),
  )
  .addOption(
    new Option('--s3-endpoint <url>', 'the S3 endpoint of the import bucket')
      .env('S3_ENDPOINT')
      .default('http://127.0.0.1:7070'),
  )
  .addOption(new Option('--s3-region <region>').env('S3_REGION').default('us-east-1'))
  .addOption(
    new Option('--bucket <name>', 'the import bucket (the first of IMPORT_S3_BUCKETS)')
      .env('IMPORT_S3_BUCKETS')
      .argParser((value) => value.split(',')[0]!.trim())
      .default('fhir-bulk-import'),
  )
  .option(
    '--prefix <prefix>',
    'the key prefix under <tenant>/ in the bucket',
    `fhir-bulk-cli/${new Date().toISOString().replace(/[:.]/g, '-')}`,
  )
  .option('--errors <dir>', 'where error files of refused lines are saved', 'import-errors')
  .action(async (paths: string[], options, command: Command) => {
    await runImport(
      await connectionOf(command),
      {
        paths,
        type: options.type,
        mode: options.mode,
        s3: { endpoint: options.s3Endpoint, region: options.s3Region, bucket: options.bucket },
        prefix: options.prefix,
        errorsDir: options.errors,
      },
      output,
    );
  });

program
  .command('status')
  .description('one poll of a job: its progress, or its manifest or result as JSON')
  .argument('<job>', 'a status URL or a job id')
  .addOption(kindOption())
  .action(async (job: string, options: { kind?: JobKind }, command: Command) => {
    await runStatus(await connectionOf(command), job, options.kind, output);
  });

program
  .command('cancel')
  .description("cancel a running job (or delete a finished export's files)")
  .argument('<job>', 'a status URL or a job id')
  .addOption(kindOption())
  .action(async (job: string, options: { kind?: JobKind }, command: Command) => {
    await runCancel(await connectionOf(command), job, options.kind, output);
  });

program
  .command('jobs')
  .description("list your jobs (an admin client: everyone's), newest first, from [base]/_jobs")
  .option('--kind <kinds>', 'export, import, view-export (comma-separated)')
  .option('--status <states>', 'running, completed, failed, cancelled, deleted, expired (comma-separated)')
  .option('--since <instant>', 'jobs started at or after this instant')
  .option('--count <n>', 'jobs per page', positive)
  .option('--all', 'every page, not only the first')
  .option('--json', 'the jobs as JSON')
  .action(async (options, command: Command) => {
    await runJobs(
      await connectionOf(command),
      { ...options, all: options.all === true, json: options.json === true },
      output,
    );
  });

// Ctrl-C: nothing to clean up. Downloads write as they go, so the partial files stay for `export --resume`.
process.once('SIGINT', () => {
  output.done();
  output.say('interrupted: partial downloads stay; `fhir-bulk export --resume --out <dir>` goes on from them');
  process.exit(130);
});

/** An error's message, with its cause's where fetch hides the real one (`fetch failed`: refused, DNS, TLS). */
function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

program.parseAsync().catch((error: unknown) => {
  output.done();
  output.fail(`fhir-bulk: ${reason(error)}`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
