import {
  badRequest,
  isObject,
  type FhirVersion,
  isResourceTypeOf,
  isServerWritten,
  notSupported,
  type OperationOutcomeError,
  serverWrittenOnly,
} from '@fhir-bulk/fhir';
import type { ImportInput } from './import-job';
import { MAX_IMPORT_INPUTS } from './kickoff';
import { type InputChecks } from './input-check';
import { fetchAllowedJson, resolveImportSource } from './source-policy';
import { isNdjson, otherFhirVersion } from './kickoff';
import { tenantSourcePolicy } from './tenant-sources';

/**
 * A `$bulk-submit` manifest (a Bulk Data export manifest the Data Provider hosts) as the import inputs it names:
 * each `output` entry is a file of one resource type, imported exactly as an `$import` input would be.
 */

/** A manifest is a small index of files; a larger document is refused rather than buffered. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Pages followed through `link` (relation `next`): the files of all pages are one manifest's. */
export const MAX_MANIFEST_PAGES = 20;

export interface ManifestPage {
  inputs: ImportInput[];
  /** The next page's URL, when the manifest is paged. */
  next?: string;
}

/**
 * The files of one manifest page. Problems are 400s naming `manifestUrl`, with the manifest's own path
 * (`output[3].type`) in the message. What this server cannot honour is refused: another format, files organised
 * by a resource (`outputOrganizedBy`), and `deleted` files (deletions are not applied).
 */
export function manifestPage(manifest: unknown, manifestUrl: string, fhirVersion: FhirVersion): ManifestPage {
  const invalid = (problem: string) => badRequest(`manifestUrl ${manifestUrl}: ${problem}`, 'manifestUrl');
  if (!isObject(manifest)) throw invalid('the manifest is not a JSON object');
  const format = manifest.outputFormat;
  if (typeof format === 'string' && (!isNdjson(format) || otherFhirVersion(format, fhirVersion) !== undefined)) {
    throw unsupported(manifestUrl, `outputFormat ${format} (only FHIR ${fhirVersion} NDJSON is imported)`);
  }
  if (manifest.outputOrganizedBy !== undefined) {
    throw unsupported(manifestUrl, 'outputOrganizedBy (files must each hold one resource type)');
  }
  if (Array.isArray(manifest.deleted) && manifest.deleted.length > 0) {
    throw unsupported(manifestUrl, 'deleted files (submitted deletions are not applied)');
  }
  const output = manifest.output ?? [];
  if (!Array.isArray(output)) throw invalid('output must be an array');
  const inputs = output.map((entry: unknown, index): ImportInput => {
    const at = `output[${index}]`;
    if (!isObject(entry)) throw invalid(`${at} must be an object`);
    if (typeof entry.type !== 'string' || !isResourceTypeOf(fhirVersion, entry.type)) {
      throw invalid(`${at}.type must be a FHIR ${fhirVersion} resource type (the tenant's version)`);
    }
    if (isServerWritten(entry.type)) throw serverWrittenOnly(entry.type, 400, 'manifestUrl');
    if (typeof entry.url !== 'string' || entry.url.trim() === '') throw invalid(`${at}.url is required`);
    return { type: entry.type, url: entry.url.trim() };
  });
  const next = nextLink(manifest.link, invalid);
  return { inputs, ...(next ? { next } : {}) };
}

function nextLink(link: unknown, invalid: (problem: string) => OperationOutcomeError): string | undefined {
  if (link === undefined) return undefined;
  if (!Array.isArray(link)) throw invalid('link must be an array');
  const next = link.find((l: unknown) => isObject(l) && l.relation === 'next') as Record<string, unknown> | undefined;
  if (!next) return undefined;
  if (typeof next.url !== 'string' || !URL.canParse(next.url)) throw invalid('the next link has no absolute url');
  return next.url;
}

const unsupported = (manifestUrl: string, what: string) =>
  notSupported(`manifestUrl ${manifestUrl}: ${what} is not supported`, 'manifestUrl');

/** How a manifest is read: the import checks (policy, DNS pinning), plus reading a small S3 object's text. */
export interface ManifestSource {
  checks: InputChecks;
  readS3Text(bucket: string, key: string): Promise<string>;
}

/**
 * Reads the manifest at `manifestUrl`, and every page it links, under the tenant's import source policy (the same
 * allow-list, per-tenant S3 prefixes and SSRF checks as `$import` inputs); returns all the files it names. The
 * files themselves are checked by the caller, as `$import` inputs are.
 */
export async function readSubmittedManifest(
  manifestUrl: string,
  tenant: string,
  source: ManifestSource,
  fhirVersion: FhirVersion,
): Promise<ImportInput[]> {
  const inputs: ImportInput[] = [];
  const seen = new Set<string>();
  let url: string | undefined = manifestUrl;
  while (url !== undefined) {
    if (seen.has(url)) throw badRequest(`manifestUrl ${manifestUrl}: its links loop back to ${url}`, 'manifestUrl');
    if (seen.size === MAX_MANIFEST_PAGES) {
      throw badRequest(`manifestUrl ${manifestUrl}: more than ${MAX_MANIFEST_PAGES} linked pages`, 'manifestUrl');
    }
    seen.add(url);
    const page = manifestPage(await readJson(url, tenant, source), manifestUrl, fhirVersion);
    inputs.push(...page.inputs);
    if (inputs.length > MAX_IMPORT_INPUTS) {
      throw badRequest(`manifestUrl ${manifestUrl}: more than ${MAX_IMPORT_INPUTS} files`, 'manifestUrl');
    }
    url = page.next;
  }
  return inputs;
}

async function readJson(url: string, tenant: string, { checks, readS3Text }: ManifestSource): Promise<unknown> {
  const policy = tenantSourcePolicy(checks.sources, tenant);
  const source = resolveImportSource(url, policy, 'manifestUrl');
  if (source.kind === 'http') return fetchAllowedJson(url, policy, checks.sourceIo, 'manifestUrl', MAX_MANIFEST_BYTES);
  const info = await checks.statS3(source.bucket, source.key).catch(() => undefined);
  const unreadable = (why: string) => badRequest(`manifestUrl: ${url} ${why}`, 'manifestUrl');
  if (!info) throw unreadable('does not exist or cannot be read');
  if (info.size > MAX_MANIFEST_BYTES) throw unreadable(`is larger than ${MAX_MANIFEST_BYTES} bytes`);
  try {
    return JSON.parse(await readS3Text(source.bucket, source.key)) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError) throw unreadable('is not JSON');
    throw error;
  }
}
