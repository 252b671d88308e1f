import { createTestCertificates, type TestCertificates } from '@fhir-bulk/test-support';
import { Server as HttpServer } from 'node:http';
import { Server as HttpsServer } from 'node:https';
import { join } from 'node:path';
import { createApiServer } from '../src/transport';

/** What the API's server is made of, and how a bad TLS file stops it before it serves (the files are not served). */
let certs: TestCertificates;
beforeAll(() => {
  certs = createTestCertificates();
});
afterAll(() => certs?.remove());

describe('createApiServer', () => {
  it('is plain HTTP without TLS files, and HTTPS with them', () => {
    const plain = createApiServer();
    expect(plain).toBeInstanceOf(HttpServer);
    expect(plain).not.toBeInstanceOf(HttpsServer);
    const secure = createApiServer({ certFile: certs.certFile, keyFile: certs.keyFile });
    expect(secure).toBeInstanceOf(HttpsServer);
  });

  it('names the setting and the file it cannot read', () => {
    const missing = join(certs.certFile, '..', 'missing.pem');
    expect(() => createApiServer({ certFile: missing, keyFile: certs.keyFile })).toThrow(
      `TLS_CERT_FILE=${missing} cannot be read: ENOENT`,
    );
    expect(() => createApiServer({ certFile: certs.certFile, keyFile: missing })).toThrow(
      `TLS_KEY_FILE=${missing} cannot be read: ENOENT`,
    );
  });

  it('refuses a key that is not the certificate’s, and a file that is no PEM', () => {
    const otherKey = join(certs.certFile, '..', 'ca.key');
    expect(() => createApiServer({ certFile: certs.certFile, keyFile: otherKey })).toThrow(
      /^TLS_CERT_FILE=.* and TLS_KEY_FILE=.*ca\.key cannot serve TLS: .*key values mismatch/,
    );
    const notPem = join(certs.certFile, '..', 'server.ext');
    expect(() => createApiServer({ certFile: notPem, keyFile: certs.keyFile })).toThrow(/cannot serve TLS/);
  });
});
