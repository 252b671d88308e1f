import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';

/** A throw-away certificate authority and a server certificate it signed, in a private temporary folder. */
export interface TestCertificates {
  /** The authority's certificate (PEM): what a client must trust. */
  ca: string;
  /** The server's certificate and private key files (PEM), for TLS_CERT_FILE and TLS_KEY_FILE. */
  certFile: string;
  keyFile: string;
  /** Deletes the folder, keys included. */
  remove(): void;
}

/**
 * Makes a CA and a server certificate for 127.0.0.1 and localhost with openssl (P-256 keys, valid one day), so
 * TLS is tested with a real chain (a client trusting the CA, not one that skips verification) and no key outlives
 * the test: call `remove`.
 */
export function createTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-bulk-tls-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  try {
    openssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      path('ca.key'),
      '-out',
      path('ca.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=fhir-bulk test CA',
    );
    openssl('req', ...newKey, '-keyout', path('server.key'), '-out', path('server.csr'), '-subj', '/CN=localhost');
    writeFileSync(path('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
    openssl(
      'x509',
      '-req',
      '-in',
      path('server.csr'),
      '-CA',
      path('ca.pem'),
      '-CAkey',
      path('ca.key'),
      '-CAcreateserial',
      '-out',
      path('server.pem'),
      '-days',
      '1',
      '-extfile',
      path('server.ext'),
    );
    return {
      ca: readFileSync(path('ca.pem'), 'utf8'),
      certFile: path('server.pem'),
      keyFile: path('server.key'),
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * `fetch` that trusts `ca` besides the usual authorities (only for its own requests: the process's trust is not
 * changed), and closes its connections on `close`. Child processes trust a test CA through NODE_EXTRA_CA_CERTS.
 */
export function fetchTrusting(ca: string): { send: typeof fetch; close: () => Promise<void> } {
  const agent = new Agent({ connect: { ca } });
  // Node's fetch takes an undici dispatcher; npm undici's types differ from Node's bundled copy in parts fetch never calls.
  const dispatcher = { dispatcher: agent } as unknown as Pick<RequestInit, 'dispatcher'>;
  return {
    send: (input, init) => fetch(input, { ...init, ...dispatcher }),
    close: () => agent.close(),
  };
}
