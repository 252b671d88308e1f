import { importBuckets, type ImportSources, resolveImportSource, tenantSourcePolicy } from '../src';

const sources: ImportSources = {
  s3Buckets: ['imports', 'imports-2'],
  httpPrefixes: ['https://files.example/shared/'],
  tenantPrefixes: new Map([['acme', ['s3://feeds/acme/', 'https://acme.example/fhir/']]]),
};

/** Whether tenant `tenant` may name `url` (resolveImportSource throws a 400 when not). */
function allowed(tenant: string, url: string): boolean {
  try {
    resolveImportSource(url, tenantSourcePolicy(sources, tenant), 'input[0].url');
    return true;
  } catch {
    return false;
  }
}

describe('tenantSourcePolicy', () => {
  it('gives a tenant its own prefix in every import bucket and nothing else there', () => {
    expect(allowed('a', 's3://imports/a/p.ndjson')).toBe(true);
    expect(allowed('a', 's3://imports-2/a/deep/p.ndjson')).toBe(true);
    expect(allowed('a', 's3://imports/b/p.ndjson')).toBe(false);
    expect(allowed('a', 's3://imports/ab/p.ndjson')).toBe(false);
    expect(allowed('a', 's3://imports/p.ndjson')).toBe(false);
    expect(allowed('a', 's3://imports/a')).toBe(false);
  });

  it('adds the prefixes configured for that tenant only', () => {
    expect(allowed('acme', 's3://feeds/acme/p.ndjson')).toBe(true);
    expect(allowed('acme', 'https://acme.example/fhir/p.ndjson')).toBe(true);
    expect(allowed('acme', 's3://imports/acme/p.ndjson')).toBe(true);
    expect(allowed('other', 's3://feeds/acme/p.ndjson')).toBe(false);
    expect(allowed('other', 'https://acme.example/fhir/p.ndjson')).toBe(false);
  });

  it('lets every tenant read the shared http prefixes', () => {
    expect(allowed('a', 'https://files.example/shared/p.ndjson')).toBe(true);
    expect(allowed('acme', 'https://files.example/shared/p.ndjson')).toBe(true);
  });

  it('treats a tenant named like an Object property as a name', () => {
    expect(tenantSourcePolicy(sources, '__proto__').s3Prefixes).toEqual([
      's3://imports/__proto__/',
      's3://imports-2/__proto__/',
    ]);
  });
});

describe('importBuckets', () => {
  it('lists the import buckets and the buckets of configured tenant prefixes, once each', () => {
    expect(importBuckets(sources)).toEqual(['imports', 'imports-2', 'feeds']);
  });
});
