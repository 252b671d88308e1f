import type { RequestHandler } from 'express';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

/** The PEM files of TLS_CERT_FILE and TLS_KEY_FILE. */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

/**
 * The API's server, without its app: HTTPS only when `tls` names a certificate and key, TLS 1.2 at least (1.0 and
 * 1.1 are broken and forbidden by HIPAA guidance and RFC 8996); plain HTTP otherwise, for a proxy that ends TLS in
 * front of it. The files are read and checked now, so a missing, unreadable or mismatched file stops the start
 * with a message naming it, not the first client's handshake.
 */
export function createApiServer(tls?: TlsFiles): Server {
  if (!tls) return createHttpServer();
  const cert = readPem('TLS_CERT_FILE', tls.certFile);
  const key = readPem('TLS_KEY_FILE', tls.keyFile);
  try {
    return createHttpsServer({ cert, key, minVersion: 'TLSv1.2' });
  } catch (error) {
    // Not PEM, or a key that is not the certificate's: OpenSSL's message says which.
    throw new Error(
      `TLS_CERT_FILE=${tls.certFile} and TLS_KEY_FILE=${tls.keyFile} cannot serve TLS: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function readPem(setting: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new Error(`${setting}=${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? error}`, {
      cause: error,
    });
  }
}

/** A year, subdomains included: browsers and clients then refuse plain HTTP to this host for that long. */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

/** On every response of an API served over TLS (never over plain HTTP, where browsers ignore it anyway). */
export const strictTransportSecurity: RequestHandler = (_req, res, next) => {
  res.setHeader('Strict-Transport-Security', STRICT_TRANSPORT_SECURITY);
  next();
};
