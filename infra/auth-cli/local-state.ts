import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const REPO_ROOT = join(__dirname, '..', '..');

/** Where `npm start` keeps its state (`.data/`); FHIR_BULK_DATA_DIR moves it, as it does for infra/stack.sh. */
export const dataDir = () => process.env.FHIR_BULK_DATA_DIR ?? join(REPO_ROOT, '.data');

/** The API the CLI talks to: `--api`, else PUBLIC_BASE_URL, else the local default. */
export const apiUrl = (given: string | undefined) =>
  (given ?? process.env.PUBLIC_BASE_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');

/** The administrator's credential: AUTH_ADMIN_TOKEN, else the file `npm start` generated. */
export function adminCredential(): string {
  if (process.env.AUTH_ADMIN_TOKEN) return process.env.AUTH_ADMIN_TOKEN;
  const file = join(dataDir(), 'admin-token');
  const token = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
  if (token === '') {
    throw new Error(`no administrator credential: set AUTH_ADMIN_TOKEN, or run npm start once (it writes ${file})`);
  }
  return token;
}

/**
 * Writes a file only its owner may read (0600, in a folder created 0700): private keys and client files. An
 * existing file is narrowed before the secret goes in, not after.
 */
export function writeSecretFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (existsSync(path)) chmodSync(path, 0o600);
  writeFileSync(path, text, { mode: 0o600 });
}
