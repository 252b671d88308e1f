import type { SourcePolicy } from './source-policy';

/**
 * What import inputs may name, as configured: IMPORT_S3_BUCKETS (each tenant reads its own prefix there),
 * IMPORT_HTTP_ALLOWED_PREFIXES (every tenant) and IMPORT_TENANT_ALLOWED_PREFIXES (one tenant's extras).
 */
export interface ImportSources {
  s3Buckets: string[];
  httpPrefixes: string[];
  /** Tenant → `s3://bucket/prefix/` and http(s) prefixes, validated by the config module. */
  tenantPrefixes: ReadonlyMap<string, string[]>;
}

/**
 * What tenant `tenant` may import from: `s3://{bucket}/{tenant}/…` in every import bucket, so one tenant cannot
 * import objects another placed there, plus the prefixes configured for it by name. Tenant ids hold no `/` or `.`
 * (the API refuses them), so `{tenant}/` is one whole key segment.
 */
export function tenantSourcePolicy(sources: ImportSources, tenant: string): SourcePolicy {
  const extra = sources.tenantPrefixes.get(tenant) ?? [];
  return {
    s3Prefixes: [...sources.s3Buckets.map((bucket) => `s3://${bucket}/${tenant}/`), ...extra.filter(isS3)],
    httpPrefixes: [...sources.httpPrefixes, ...extra.filter((prefix) => !isS3(prefix))],
  };
}

/** Every bucket some tenant may import from: the stores the worker and the kick-off open. */
export function importBuckets(sources: ImportSources): string[] {
  const granted = [...sources.tenantPrefixes.values()].flat().filter(isS3);
  return [...new Set([...sources.s3Buckets, ...granted.map((prefix) => prefix.slice(5).split('/')[0]!)])];
}

const isS3 = (prefix: string) => prefix.startsWith('s3://');
