import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ZapgateError } from '../errors.ts';

const body = (err: ZapgateError) => JSON.stringify({ error: { code: err.code, message: err.message } });

/**
 * What Fastify's router answers before any route or error handler runs: a path whose percent
 * encoding does not decode (`%ZZ`, `%C0%AE`), or a parameter past `maxParamLength`. Coded like
 * every other refusal (Fastify's own answer has no `error.code`).
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const coded =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new ZapgateError('ZG_ERR_URL_TOO_LONG', 414, 'a path segment is longer than the gateway accepts')
      : new ZapgateError('ZG_ERR_BAD_URL', 400, 'the path is not valid percent-encoded UTF-8');
  reply.status(coded.statusCode).type('application/json').send(body(coded));
}

const CLIENT_ERRORS: Record<string, ZapgateError> = {
  ERR_HTTP_REQUEST_TIMEOUT: new ZapgateError(
    'ZG_ERR_REQUEST_TIMEOUT',
    408,
    'the request was not complete within REQUEST_TIMEOUT_MS',
  ),
  HPE_HEADER_OVERFLOW: new ZapgateError(
    'ZG_ERR_HEADERS_TOO_LARGE',
    431,
    'the request line and headers are larger than the gateway accepts (16 KB); shorten the URL',
  ),
};
const MALFORMED = new ZapgateError('ZG_ERR_BAD_REQUEST', 400, 'the request is not well-formed HTTP/1.1');

/**
 * Node's HTTP parser refused the connection's bytes (headers too large, a request not in by the
 * timeout, malformed HTTP): answered on the raw socket with the coded body, then closed.
 */
export function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const coded = CLIENT_ERRORS[err.code ?? ''] ?? MALFORMED;
  const text = body(coded);
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${coded.statusCode} ${STATUS_CODES[coded.statusCode]}\r\nContent-Length: ${Buffer.byteLength(text)}\r\n` +
        `Content-Type: application/json\r\nConnection: close\r\n\r\n${text}`,
    );
  socket.destroy(err);
}
