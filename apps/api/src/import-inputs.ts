import {
  checkHttpSource,
  type ImportRequest,
  resolveImportSource,
  type SourceIo,
  type SourcePolicy,
} from '@fhir-bulk/import';
import { badRequest } from '@fhir-bulk/fhir';
import type { ObjectInfo } from '@fhir-bulk/object-store';

export interface InputChecks {
  policy: SourcePolicy;
  sourceIo: SourceIo;
  /** Size and entity tag of an object in an allowed bucket; undefined when it does not exist. */
  statS3: (bucket: string, key: string) => Promise<ObjectInfo | undefined>;
}

/**
 * Refuses, before any job starts, inputs the server must not or cannot read: URLs outside the allow-list (no
 * server-side request forgery: other hosts, `file:`, internal addresses, redirects out of the list), objects that
 * do not exist, and objects whose entity tag is not the one the client named.
 */
export async function checkInputs(request: ImportRequest, checks: InputChecks): Promise<void> {
  await Promise.all(
    request.inputs.map(async (input, index) => {
      const parameter = `input[${index}].url`;
      const source = resolveImportSource(input.url, checks.policy, parameter);
      const info =
        source.kind === 's3'
          ? await checks.statS3(source.bucket, source.key)
          : await checkHttpSource(input.url, checks.policy, checks.sourceIo, parameter);
      if (!info) throw badRequest(`${parameter}: ${input.url} does not exist`, parameter);
      if (input.etag && info.etag && input.etag !== info.etag) {
        throw badRequest(
          `input[${index}].etag: ${input.url} has entity tag ${info.etag}, not ${input.etag}`,
          `input[${index}].etag`,
        );
      }
    }),
  );
}
