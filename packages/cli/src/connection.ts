import { authorisedFetch, type CredentialOptions, loadCredentials, type Send, TokenSource } from './auth';

/** The options every command takes: where the API is, which tenant, and who the client is. */
export interface ConnectionOptions extends CredentialOptions {
  api: string;
  tenant?: string;
}

export interface Connection {
  /** The FHIR base URL: the API's root for tenant `default`, `{api}/tenant/{id}` for another. */
  base: string;
  tenant: string;
  /** `fetch` with the client's access token (plain fetch when no credentials are given). */
  send: Send;
}

export const DEFAULT_API = 'http://127.0.0.1:8080';

export function baseUrl(api: string, tenant: string | undefined): string {
  const root = api.replace(/\/$/, '');
  return !tenant || tenant === 'default' ? root : `${root}/tenant/${encodeURIComponent(tenant)}`;
}

export async function connect(options: ConnectionOptions): Promise<Connection> {
  const base = baseUrl(options.api, options.tenant);
  const credentials = await loadCredentials(options);
  return {
    base,
    tenant: options.tenant ?? 'default',
    send: authorisedFetch(credentials ? new TokenSource(credentials, base) : undefined),
  };
}

export type JobKind = 'export' | 'import' | 'view-export';

/** Where each kind of job is polled under `[base]`. */
export const STATUS_PATHS: Record<JobKind, string> = {
  export: '_export',
  import: '_import',
  'view-export': '_viewdefinition-export',
};

/**
 * The status URLs a job reference may mean: a URL is itself; a job id is looked for under the kind given, else
 * under each kind in turn (ids are unique across kinds).
 */
export function statusUrls(base: string, reference: string, kind?: JobKind): string[] {
  if (/^https?:\/\//.test(reference)) return [reference];
  if (!/^[A-Za-z0-9.-]{1,64}$/.test(reference)) throw new Error(`"${reference}" is neither a status URL nor a job id`);
  const kinds = kind ? [kind] : (Object.keys(STATUS_PATHS) as JobKind[]);
  return kinds.map((k) => `${base}/${STATUS_PATHS[k]}/${reference}`);
}
