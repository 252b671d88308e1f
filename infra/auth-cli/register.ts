import {
  type ClientRegistration,
  formatScope,
  generateClientKeyPair,
  isPermission,
  parseScopes,
} from '@fhir-bulk/auth';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AdminApi, type ClientInformation, tokenEndpoint } from './admin-api';
import { type ClientFile, keyPairIn, readClientFile, writeClientFile } from './client-file';
import { adminCredential, dataDir } from './local-state';

export interface RegisterOptions {
  api: string;
  name: string;
  scope: string;
  permissions: string[];
  tenants: string[];
  /** The client file to write; `.data/clients/<name>.json` by default. */
  out?: string;
  /** Sign with the private JWK in this file (generated there the first time) instead of a fresh key pair. */
  key?: string;
  /** Keep the client of `out` when it is still registered, enabled and as asked; register anew otherwise. */
  reuse: boolean;
}

/**
 * Registers a Backend Services client: a key pair (ES384) whose public half goes to `/auth/register`, and a client
 * file (0600) holding the client id, the token URL and the private key. Prints the id and the file, never the key.
 */
export async function register(options: RegisterOptions): Promise<void> {
  const unknown = options.permissions.filter((p) => !isPermission(p));
  if (unknown.length > 0) throw new Error(`unknown permissions: ${unknown.join(', ')}`);
  const out = options.out ?? join(dataDir(), 'clients', `${options.name.replace(/[^A-Za-z0-9_.-]+/g, '-')}.json`);
  const admin = new AdminApi(options.api, adminCredential());
  const tokenUrl = await tokenEndpoint(options.api);
  const keys = options.key ? await keyPairIn(options.key) : await generateClientKeyPair();
  const wanted: ClientRegistration = {
    client_name: options.name,
    jwks: { keys: [keys.publicJwk] },
    scope: options.scope,
    permissions: options.permissions.filter(isPermission),
    tenants: options.tenants,
  };

  if (options.reuse && existsSync(out)) {
    const file = readClientFile(out);
    const kept = await admin.find(file.client_id);
    const change = kept
      ? changeFrom(kept, file, { ...wanted, tokenUrl, kid: keys.privateJwk.kid })
      : 'is not registered';
    if (change === undefined) {
      console.log(`client ${file.client_id} (${options.name}) is registered as asked: keeping ${out}`);
      return;
    }
    console.log(`client ${file.client_id} of ${basename(out)} ${change}: registering a new one`);
  }

  const client = await admin.register(wanted);
  const file: ClientFile = { client_id: client.client_id, tokenUrl, scope: client.scope, privateJwk: keys.privateJwk };
  writeClientFile(out, file);
  console.log(`registered client ${client.client_id} (${options.name}), scope "${client.scope}"`);
  console.log(`client file (private key, keep it secret): ${out}`);
}

/** Why a registered client no longer matches what is asked, or undefined when it does. */
function changeFrom(
  client: ClientInformation,
  file: ClientFile,
  wanted: ClientRegistration & { tokenUrl: string; kid: string | undefined },
): string | undefined {
  const sameSet = (a: readonly string[], b: readonly string[]) => [...a].sort().join() === [...b].sort().join();
  const scope = parseScopes(wanted.scope).scopes.map(formatScope).join(' ');
  if (client.disabled) return 'is disabled';
  if (file.tokenUrl !== wanted.tokenUrl) return `has token URL ${file.tokenUrl}, not ${wanted.tokenUrl}`;
  if (file.privateJwk.kid !== wanted.kid) return 'signs with another key';
  if (!client.jwks?.keys.some((key) => key.kid === wanted.kid)) return 'has another public key registered';
  if (client.scope !== scope) return `has scope "${client.scope}", not "${scope}"`;
  if (!sameSet(client.permissions, wanted.permissions)) return `has permissions ${client.permissions.join(',')}`;
  if (!sameSet(client.tenants, wanted.tenants)) return `has tenants ${client.tenants.join(',')}`;
  return undefined;
}
