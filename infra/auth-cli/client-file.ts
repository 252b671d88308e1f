import { BackendServicesClient, type ClientKeyPair, generateClientKeyPair } from '@fhir-bulk/auth';
import { existsSync, readFileSync } from 'node:fs';
import { writeSecretFile } from './local-state';

type Jwk = ClientKeyPair['privateJwk'];

/** What `npm run auth -- register` writes (mode 0600): all a Backend Services client needs to get tokens. */
export interface ClientFile {
  client_id: string;
  tokenUrl: string;
  /** The scope registered, asked for by default. */
  scope: string;
  privateJwk: Jwk;
}

/** `fetch`, or an authorised client's `fetch` (which adds its access token). */
export type Send = (url: string, init?: RequestInit) => Promise<Response>;

export function writeClientFile(path: string, client: ClientFile): void {
  writeSecretFile(path, `${JSON.stringify(client, null, 2)}\n`);
}

export function readClientFile(path: string): ClientFile {
  if (!existsSync(path)) throw new Error(`no client file ${path} (npm run auth -- register … --out ${path})`);
  const file = JSON.parse(readFileSync(path, 'utf8')) as Partial<ClientFile>;
  if (!file.client_id || !file.tokenUrl || typeof file.scope !== 'string' || !file.privateJwk?.d) {
    throw new Error(
      `${path} is not a client file of npm run auth -- register (client_id, tokenUrl, scope, privateJwk)`,
    );
  }
  return file as ClientFile;
}

/** A client that gets (and renews) its tokens with the file's key, for `scope` or the file's own. */
export const backendClient = (file: ClientFile, scope = file.scope) =>
  new BackendServicesClient({ clientId: file.client_id, tokenUrl: file.tokenUrl, privateJwk: file.privateJwk, scope });

/** How a sample sends requests: with the tokens of the client in `clientFile`, or without any (AUTH_MODE=none). */
export const sendAs = (clientFile: string | undefined): Send =>
  clientFile === undefined ? fetch : backendClient(readClientFile(clientFile)).fetch;

/** The members of a public JWK (EC and RSA): a whitelist, so no private member can slip into a registration. */
const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'kid', 'alg'];

/** The key pair whose private half is in `keyFile`, generated there (0600) the first time. */
export async function keyPairIn(keyFile: string): Promise<ClientKeyPair> {
  if (!existsSync(keyFile)) {
    const pair = await generateClientKeyPair();
    writeSecretFile(keyFile, `${JSON.stringify(pair.privateJwk)}\n`);
    return pair;
  }
  const privateJwk = JSON.parse(readFileSync(keyFile, 'utf8')) as Jwk;
  if (!privateJwk.d || !privateJwk.kid) throw new Error(`${keyFile} is not a private JWK with a kid`);
  const publicJwk = Object.fromEntries(Object.entries(privateJwk).filter(([name]) => PUBLIC_MEMBERS.includes(name)));
  return { privateJwk, publicJwk: { ...publicJwk, use: 'sig' } };
}
