import { ConfigError, loadConfig, parseMasterKeys } from '../src';

describe('loadConfig', () => {
  it('defaults every service to the local stack', () => {
    const config = loadConfig({});
    expect(config.MONGODB_URL).toBe('mongodb://127.0.0.1:27017/');
    expect(config.S3_ENDPOINT).toBe('http://127.0.0.1:7070');
    expect(config.TEMPORAL_ADDRESS).toBe('127.0.0.1:7233');
    expect(config.S3_FORCE_PATH_STYLE).toBe(true);
    expect(config.API_PORT).toBe(8080);
  });

  it('takes a replacement service from the environment', () => {
    const config = loadConfig({
      MONGODB_URL: 'mongodb://db.example:27018/',
      S3_FORCE_PATH_STYLE: 'false',
      API_PORT: '9000',
    });
    expect(config.MONGODB_URL).toBe('mongodb://db.example:27018/');
    expect(config.S3_FORCE_PATH_STYLE).toBe(false);
    expect(config.API_PORT).toBe(9000);
  });

  it('reads import allow-lists as comma-separated lists, and refuses prefixes that are not http(s) URLs', () => {
    const defaults = loadConfig({});
    expect(defaults.IMPORT_S3_BUCKETS).toEqual(['fhir-bulk-import']);
    expect(defaults.IMPORT_HTTP_ALLOWED_PREFIXES).toEqual([]);
    const config = loadConfig({
      IMPORT_S3_BUCKETS: 'in-a, in-b',
      IMPORT_HTTP_ALLOWED_PREFIXES: 'https://data.example.org/exports/, http://10.0.0.5:9000/bulk/',
    });
    expect(config.IMPORT_S3_BUCKETS).toEqual(['in-a', 'in-b']);
    expect(config.IMPORT_HTTP_ALLOWED_PREFIXES).toEqual([
      'https://data.example.org/exports/',
      'http://10.0.0.5:9000/bulk/',
    ]);
    expect(() => loadConfig({ IMPORT_HTTP_ALLOWED_PREFIXES: 'file:///data/' })).toThrow(/IMPORT_HTTP_ALLOWED_PREFIXES/);
    expect(() => loadConfig({ IMPORT_HTTP_ALLOWED_PREFIXES: 'https://data.example.org' })).toThrow(
      /IMPORT_HTTP_ALLOWED_PREFIXES/,
    );
  });

  it('reads per-tenant import prefixes as tenant=prefix pairs, and names every bad pair', () => {
    expect(loadConfig({}).IMPORT_TENANT_ALLOWED_PREFIXES).toEqual(new Map());
    const config = loadConfig({
      IMPORT_TENANT_ALLOWED_PREFIXES: 'acme=s3://feeds/acme/, acme=https://acme.example/fhir/,beta=s3://beta-drop/',
    });
    expect(config.IMPORT_TENANT_ALLOWED_PREFIXES).toEqual(
      new Map([
        ['acme', ['s3://feeds/acme/', 'https://acme.example/fhir/']],
        ['beta', ['s3://beta-drop/']],
      ]),
    );
    for (const [value, why] of [
      ['s3://feeds/acme/', 'not tenant=prefix'],
      ['a/b=s3://feeds/x/', 'not a tenant id'],
      ['acme=s3://feeds/acme', 'must end with /'],
      ['acme=s3://feeds/../x/', '".." segments'],
      ['acme=s3://Feeds/x/', 'not a valid S3 bucket name'],
      ['acme=file:///data/', 'neither s3://bucket/prefix/ nor http(s)'],
    ]) {
      expect(() => loadConfig({ IMPORT_TENANT_ALLOWED_PREFIXES: value })).toThrow(why);
    }
  });

  it('reads tenant FHIR versions as tenant=version pairs, R4 by default, and names every bad pair', () => {
    expect(loadConfig({}).DEFAULT_FHIR_VERSION).toBe('4.0.1');
    expect(loadConfig({}).TENANT_FHIR_VERSIONS).toEqual(new Map());
    const config = loadConfig({ DEFAULT_FHIR_VERSION: '5.0.0', TENANT_FHIR_VERSIONS: 'clinic-r5=5.0.0, lab=4.0.1' });
    expect(config.DEFAULT_FHIR_VERSION).toBe('5.0.0');
    expect(config.TENANT_FHIR_VERSIONS).toEqual(
      new Map([
        ['clinic-r5', '5.0.0'],
        ['lab', '4.0.1'],
      ]),
    );
    expect(() => loadConfig({ DEFAULT_FHIR_VERSION: '4.3.0' })).toThrow('DEFAULT_FHIR_VERSION');
    for (const [value, why] of [
      ['clinic-r5', 'not tenant=version'],
      ['a/b=5.0.0', 'not a tenant id'],
      ['clinic=5.0', 'not a FHIR version this server speaks (4.0.1, 5.0.0)'],
      ['clinic=5.0.0,clinic=4.0.1', 'gives clinic a second version'],
    ]) {
      expect(() => loadConfig({ TENANT_FHIR_VERSIONS: value })).toThrow(why);
    }
  });

  it('serves export files through the API unless presigned URLs are asked for', () => {
    const config = loadConfig({});
    expect(config.EXPORT_FILE_ACCESS).toBe('api');
    expect(config.EXPORT_PRESIGNED_URL_TTL_SECONDS).toBe(3600);
    expect(config.S3_PUBLIC_ENDPOINT).toBeUndefined();
    const presigned = loadConfig({
      EXPORT_FILE_ACCESS: 'presigned',
      EXPORT_PRESIGNED_URL_TTL_SECONDS: '600',
      S3_PUBLIC_ENDPOINT: 'https://s3.example.org',
    });
    expect(presigned.EXPORT_FILE_ACCESS).toBe('presigned');
    expect(presigned.EXPORT_PRESIGNED_URL_TTL_SECONDS).toBe(600);
    expect(presigned.S3_PUBLIC_ENDPOINT).toBe('https://s3.example.org');
  });

  it('refuses presigned URL settings that S3 or clients could not use', () => {
    expect(() => loadConfig({ EXPORT_FILE_ACCESS: 'redirect' })).toThrow(/^ {2}- EXPORT_FILE_ACCESS="redirect"/m);
    expect(() => loadConfig({ EXPORT_PRESIGNED_URL_TTL_SECONDS: '604801' })).toThrow(
      /EXPORT_PRESIGNED_URL_TTL_SECONDS="604801"/,
    );
    expect(() => loadConfig({ S3_PUBLIC_ENDPOINT: 's3.example.org' })).toThrow(/S3_PUBLIC_ENDPOINT="s3.example.org"/);
  });

  it('serves TLS only with both a certificate and a key file, and then only under an https:// public base', () => {
    const tls = { TLS_CERT_FILE: '/etc/tls/api.pem', TLS_KEY_FILE: '/etc/tls/api.key' };
    expect(loadConfig({})).not.toHaveProperty('TLS_CERT_FILE');
    expect(loadConfig({ ...tls, PUBLIC_BASE_URL: 'https://bulk.example.org/' })).toMatchObject(tls);
    expect(() => loadConfig({ TLS_CERT_FILE: tls.TLS_CERT_FILE, PUBLIC_BASE_URL: 'https://x.org' })).toThrow(
      /^ {2}- TLS_KEY_FILE \(unset\): must be set with TLS_CERT_FILE \(both or neither\)$/m,
    );
    expect(() => loadConfig({ TLS_KEY_FILE: tls.TLS_KEY_FILE, PUBLIC_BASE_URL: 'https://x.org' })).toThrow(
      /^ {2}- TLS_CERT_FILE \(unset\): must be set with TLS_KEY_FILE/m,
    );
    // The default public base is http://: the URLs handed out would name a port that does not speak HTTP.
    expect(() => loadConfig(tls)).toThrow(
      /^ {2}- PUBLIC_BASE_URL \(unset\): must be an https:\/\/ URL when TLS_CERT_FILE/m,
    );
    expect(() => loadConfig({ ...tls, PUBLIC_BASE_URL: 'http://bulk.example.org' })).toThrow(
      /PUBLIC_BASE_URL="http:\/\/bulk.example.org": must be an https:\/\/ URL/,
    );
  });

  it('keeps job records 30 days and Temporal histories 3 days unless told otherwise', () => {
    expect(loadConfig({})).toMatchObject({ JOB_RECORD_RETENTION_DAYS: 30, TEMPORAL_NAMESPACE_RETENTION_DAYS: 3 });
    expect(loadConfig({ JOB_RECORD_RETENTION_DAYS: '0.5' }).JOB_RECORD_RETENTION_DAYS).toBe(0.5);
    // Whole days, at least one: Temporal refuses less than a day for a global (replicated) namespace.
    expect(() => loadConfig({ TEMPORAL_NAMESPACE_RETENTION_DAYS: '0' })).toThrow(
      /TEMPORAL_NAMESPACE_RETENTION_DAYS="0"/,
    );
    expect(() => loadConfig({ TEMPORAL_NAMESPACE_RETENTION_DAYS: '1.5' })).toThrow(/TEMPORAL_NAMESPACE_RETENTION_DAYS/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ S3_BUCKET: '' }).S3_BUCKET).toBe('fhir-bulk');
  });

  it('names every bad variable in one readable error', () => {
    let error: unknown;
    try {
      loadConfig({ MONGODB_URL: 'postgres://x', TEMPORAL_ADDRESS: 'nohost', API_PORT: '70000' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/^MONGODB_URL="postgres:\/\/x": must start with mongodb:\/\//m);
    expect(problems).toMatch(/^TEMPORAL_ADDRESS="nohost": must be host:port/m);
    expect(problems).toMatch(/^API_PORT="70000"/m);
  });
});

describe('encryption at rest settings', () => {
  const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

  it('takes a KMS key id only with S3_SSE=aws:kms', () => {
    expect(loadConfig({ S3_SSE: 'aws:kms', S3_SSE_KMS_KEY_ID: 'alias/bulk' }).S3_SSE_KMS_KEY_ID).toBe('alias/bulk');
    expect(() => loadConfig({ S3_SSE_KMS_KEY_ID: 'alias/bulk' })).toThrow(
      /S3_SSE_KMS_KEY_ID="alias\/bulk": names a KMS key, which only S3_SSE=aws:kms uses \(S3_SSE is AES256\)/,
    );
  });

  it('reads the keyring oldest first and needs one with OBJECT_ENCRYPTION=on', () => {
    const config = loadConfig({ OBJECT_ENCRYPTION: 'on', OBJECT_ENCRYPTION_KEYS: `a:${key(1)}, b:${key(2)}` });
    expect(parseMasterKeys(config.OBJECT_ENCRYPTION_KEYS)).toEqual([
      { id: 'a', key: Buffer.alloc(32, 1) },
      { id: 'b', key: Buffer.alloc(32, 2) },
    ]);
    expect(() => loadConfig({ OBJECT_ENCRYPTION: 'on' })).toThrow(/OBJECT_ENCRYPTION_KEYS=.*is required/);
  });

  it('refuses bad keys without printing them', () => {
    const short = Buffer.alloc(16, 7).toString('base64');
    const refused = (keys: string) => {
      try {
        loadConfig({ OBJECT_ENCRYPTION: 'on', OBJECT_ENCRYPTION_KEYS: keys });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).not.toContain(keys.slice(keys.indexOf(':') + 1, keys.indexOf(':') + 9));
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(refused(`old:${short}`)).toMatch(
      /OBJECT_ENCRYPTION_KEYS=\(not shown\): entry 1 \(key id old\) decodes to 16 bytes, not 32/,
    );
    expect(refused(`a:${key(1)},a:${key(2)}`)).toMatch(/entry 2 repeats the key id a/);
    expect(refused(`${key(1)}`)).toMatch(/entry 1 is not id:base64|entry 1 has a key id/);
    expect(refused(`bad id:${key(1)}`)).toMatch(/entry 1 has a key id that is not 1-32 letters/);
  });

  it('refuses presigned downloads with application encryption, which would hand out ciphertext', () => {
    expect(() =>
      loadConfig({ OBJECT_ENCRYPTION: 'on', OBJECT_ENCRYPTION_KEYS: `a:${key(1)}`, EXPORT_FILE_ACCESS: 'presigned' }),
    ).toThrow(/EXPORT_FILE_ACCESS="presigned": presigned URLs would hand clients the encrypted bytes/);
  });
});
