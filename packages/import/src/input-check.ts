import { badRequest } from '@fhir-bulk/fhir';
import type { ImportInput, ImportSource } from './import-job';
import { checkHttpSource, resolveImportSource, type SourceIo } from './source-policy';
import { type ImportSources, tenantSourcePolicy } from './tenant-sources';

export interface InputChecks {
  sources: ImportSources;
  sourceIo: SourceIo;
  /** Size and entity tag of an object in an allowed bucket; undefined when it does not exist. */
  statS3: (bucket: string, key: string) => Promise<{ size: number; etag?: string } | undefined>;
}

/** An input the server may read: where from (an http input's final URL, redirects resolved), its size and tag. */
export interface CheckedInput {
  source: ImportSource;
  size: number;
  etag?: string;
}

/**
 * Checks one input of tenant `tenant` as the kick-off and the plan both must: the URL within the tenant's
 * allow-list (its own S3 prefix, no server-side request forgery: other hosts, `file:`, internal addresses,
 * redirects out of the list), the object there, and its entity tag the one the client named. Throws a 400
 * OperationOutcomeError naming the parameter otherwise.
 */
export async function checkInput(
  tenant: string,
  input: ImportInput,
  index: number,
  checks: InputChecks,
): Promise<CheckedInput> {
  const parameter = `input[${index}].url`;
  const policy = tenantSourcePolicy(checks.sources, tenant);
  let source = resolveImportSource(input.url, policy, parameter);
  let info: { size: number; etag?: string } | undefined;
  if (source.kind === 'http') {
    const checked = await checkHttpSource(input.url, policy, checks.sourceIo, parameter);
    source = { kind: 'http', url: checked.url };
    info = checked;
  } else {
    info = await checks.statS3(source.bucket, source.key).catch((error: unknown) => {
      // The store refused the request (a key it will not take): the client's input, not a server fault.
      const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== undefined && status >= 400 && status < 500) {
        throw badRequest(`${parameter}: ${input.url} cannot be read (HTTP ${status} from the store)`, parameter);
      }
      throw error;
    });
  }
  if (!info) throw badRequest(`${parameter}: ${input.url} does not exist`, parameter);
  if (input.etag && info.etag && input.etag !== info.etag) {
    const at = `input[${index}].etag`;
    throw badRequest(`${at}: ${input.url} has entity tag ${info.etag}, not ${input.etag}`, at);
  }
  const etag = input.etag ?? info.etag;
  return { source, size: info.size, ...(etag ? { etag } : {}) };
}
