import { type ExportManifest, fileName, jobPrefix, type ManifestOutput } from '@fhir-bulk/export';
import type { ObjectStore } from '@fhir-bulk/object-store';

export interface PresignTarget {
  tenant: string;
  jobId: string;
  expiresInSeconds: number;
}

/**
 * The manifest as EXPORT_FILE_ACCESS=presigned serves it: every file URL replaced by a presigned S3 GET URL, which
 * works without an access token, so `requiresAccessToken` is false and the bytes bypass the API. Sign at each
 * status request and never store the result: the URLs expire. Signing is local; no request goes to S3.
 */
export async function presignManifest(
  manifest: ExportManifest,
  objects: ObjectStore,
  { tenant, jobId, expiresInSeconds }: PresignTarget,
): Promise<ExportManifest> {
  // Manifest URLs end in the file name (`…/_export/{jobId}/files/{name}`), which is the key under the job prefix.
  const presign = (files: ManifestOutput[]) =>
    Promise.all(
      files.map(async (file) => ({
        ...file,
        url: await objects.presignGet(`${jobPrefix(tenant, jobId)}${fileName(file.url)}`, expiresInSeconds),
      })),
    );
  const [output, deleted, error] = await Promise.all([
    presign(manifest.output),
    presign(manifest.deleted),
    presign(manifest.error),
  ]);
  return { ...manifest, requiresAccessToken: false, output, deleted, error };
}
