import { outcome } from '@fhir-bulk/fhir';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Requests Node's HTTP parser refuses before Express sees them (a request line and headers beyond its 16 KiB limit,
 * bytes that are no HTTP) are answered like every other 4xx, with an OperationOutcome naming the problem; Node's own
 * answer has no body at all.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // Nobody is listening any more (the client hung up): nothing to answer.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, body] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? ([431, 'Request Header Fields Too Large', outcome('error', 'too-costly', HEADER_OVERFLOW)] as const)
        : ([400, 'Bad Request', outcome('error', 'invalid', `The request is not valid HTTP (${error.code})`)] as const);
    const text = JSON.stringify(body);
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/fhir+json\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  });
}

const HEADER_OVERFLOW =
  'The request line and headers together exceed the server limit (16 KiB); send long parameters in a POST body';
