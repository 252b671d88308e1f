/**
 * The export kick-off a command line asks for (pure: no I/O, unit-tested). Levels and parameters are those of the
 * Bulk Data IG 3.0.0 as this server takes them (apps/api/src/routes/export-kickoff.ts, docs/conformance.md).
 */

export const PARQUET = 'application/vnd.apache.parquet';

export interface ExportOptions {
  /** `Patient/$export`: every patient's compartment. */
  patientLevel?: boolean;
  /** `Group/{id}/$export`. */
  group?: string;
  /** `Patient/{id}/$export`: one patient's compartment. */
  patient?: string;
  /** The `patient` parameter (references or ids): a POST kick-off, as the IG allows it only there. */
  patients?: string[];
  type?: string[];
  since?: string;
  until?: string;
  /** Repeated: several filters of one type are ORed by the server. */
  typeFilter?: string[];
  elements?: string[];
  outputFormat?: string;
  parquet?: boolean;
  /** Stored ViewDefinition ids (Parquet exports). */
  view?: string[];
  organizeOutputBy?: string;
  includeAssociatedData?: string[];
  allowPartialManifests?: boolean;
  /** `Prefer: handling=lenient`: the server skips what it does not support and says so in the manifest. */
  lenient?: boolean;
}

export interface KickoffRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** A mistake on the command line, told before anything is sent. */
export class UsageError extends Error {}

function endpoint(base: string, options: ExportOptions): string {
  const levels = [
    options.patientLevel && '--patient-level',
    options.group && '--group',
    options.patient && '--patient',
  ];
  const chosen = levels.filter(Boolean);
  if (chosen.length > 1) throw new UsageError(`choose one export level, not ${chosen.join(' and ')}`);
  if (options.group) return `${base}/Group/${encodeURIComponent(options.group)}/$export`;
  if (options.patient) return `${base}/Patient/${encodeURIComponent(options.patient)}/$export`;
  return options.patientLevel ? `${base}/Patient/$export` : `${base}/$export`;
}

function outputFormat(options: ExportOptions): string | undefined {
  if (options.parquet && options.outputFormat && options.outputFormat !== PARQUET) {
    throw new UsageError(`--parquet and --output-format ${options.outputFormat} disagree`);
  }
  const format = options.parquet ? PARQUET : options.outputFormat;
  const views = options.view ?? [];
  if (views.length > 0 && format !== PARQUET && format !== 'parquet') {
    throw new UsageError('--view exports a ViewDefinition as Parquet: add --parquet');
  }
  if (options.parquet && views.length === 0) throw new UsageError('--parquet needs --view <ViewDefinition id>');
  return format;
}

const joined = (values: string[] | undefined) => (values && values.length > 0 ? values.join(',') : undefined);

/** The parameters in the order a reader expects them, each a [name, value] pair; lists comma-joined. */
function parameters(options: ExportOptions): Array<[string, string]> {
  const pairs: Array<[string, string | undefined]> = [
    ['_outputFormat', outputFormat(options)],
    ['_type', joined(options.type)],
    ['_since', options.since],
    ['_until', options.until],
    ...(options.typeFilter ?? []).map((filter): [string, string] => ['_typeFilter', filter]),
    ['_elements', joined(options.elements)],
    ['_viewDefinition', joined(options.view)],
    ['includeAssociatedData', joined(options.includeAssociatedData)],
    ['organizeOutputBy', options.organizeOutputBy],
    ['allowPartialManifests', options.allowPartialManifests ? 'true' : undefined],
  ];
  return pairs.filter((pair): pair is [string, string] => pair[1] !== undefined && pair[1] !== '');
}

const patientReference = (value: string) => (value.startsWith('Patient/') ? value : `Patient/${value}`);

/**
 * The kick-off request: a GET with a query string, or, when `patient` is asked for (the IG allows it only in a
 * Parameters body), a POST of every parameter. Always `Prefer: respond-async`.
 */
export function exportKickoff(base: string, options: ExportOptions): KickoffRequest {
  const url = endpoint(base.replace(/\/$/, ''), options);
  const pairs = parameters(options);
  const prefer = options.lenient ? 'respond-async, handling=lenient' : 'respond-async';
  const headers: Record<string, string> = { Accept: 'application/fhir+json', Prefer: prefer };
  const patients = options.patients ?? [];
  if (patients.length === 0) {
    const query = new URLSearchParams(pairs).toString();
    return { method: 'GET', url: query ? `${url}?${query}` : url, headers };
  }
  const body = {
    resourceType: 'Parameters',
    parameter: [
      ...pairs.map(([name, value]) => ({ name, valueString: value })),
      ...patients.map((patient) => ({ name: 'patient', valueReference: { reference: patientReference(patient) } })),
    ],
  };
  return {
    method: 'POST',
    url,
    headers: { ...headers, 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify(body),
  };
}
