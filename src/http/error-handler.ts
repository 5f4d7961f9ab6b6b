import type { FastifyError, FastifyInstance } from 'fastify';
import { Errors, ZapgateError } from '../errors.ts';
import { RouteMethods } from './route-methods.ts';

const send = (err: ZapgateError) => ({
  error: {
    code: err.code,
    message: err.message,
    ...(err.details === undefined ? {} : { details: err.details }),
  },
});

type ValidationIssue = NonNullable<FastifyError['validation']>[number];

/** What Ajv leaves out of its message: the name of an unknown field, or the unknown `type`. */
function namedField(v: ValidationIssue): string | undefined {
  const params = v.params as Record<string, unknown>;
  if (v.keyword === 'additionalProperties')
    return `"${String(params.additionalProperty)}" is not a field here`;
  if (v.keyword === 'discriminator' && params.error === 'mapping')
    return `${String(params.tag)} "${String(params.tagValue)}" is not one of the accepted values`;
  return undefined;
}

/** Fastify's own client errors, each turned into the gateway's coded form. */
function fromFastify(err: FastifyError): ZapgateError | undefined {
  if (err.validation) {
    const details = err.validation.map((v) => ({
      path: v.instancePath || undefined,
      message: v.message,
      params: v.params,
    }));
    const named = err.validation.map(namedField).filter((text) => text !== undefined);
    const message = [err.message, ...named].join('; ');
    return Errors.validation(`invalid ${err.validationContext ?? 'request'}: ${message}`, details);
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return Errors.unsupportedMedia(String(err.message.split(': ')[1] ?? 'this'));
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ZapgateError('ZG_ERR_PAYLOAD_TOO_LARGE', 413, err.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return Errors.validation('the body is empty; send a JSON object (or omit the Content-Type header)');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return Errors.validation(`the body is not valid JSON: ${err.message}`);
    default:
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return new ZapgateError(
          `ZG_ERR_${String(err.code ?? 'BAD_REQUEST').replace(/^FST_ERR_/, '')}`,
          err.statusCode,
          err.message,
        );
      }
      return undefined;
  }
}

/**
 * What reading a multipart body threw, coded: busboy reports a truncated or garbled body, or a
 * missing boundary, as a bare Error (a 500 otherwise). @fastify/multipart's own errors (limits,
 * a prototype field name) carry their 4xx status and are mapped like every Fastify error.
 */
export function fromMultipart(err: unknown): Error {
  if (err instanceof ZapgateError) return err;
  const status = err instanceof Error && 'statusCode' in err ? err.statusCode : undefined;
  if (err instanceof Error && typeof status === 'number' && status < 500) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return Errors.validation(`the multipart body is malformed: ${reason}`);
}

/** One place where every error becomes `{ error: { code, message, details? } }`. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const coded = error instanceof ZapgateError ? error : fromFastify(error);
    if (coded) {
      request.log.info({ code: coded.code, status: coded.statusCode, url: request.url }, coded.message);
      return reply.status(coded.statusCode).send(send(coded));
    }
    request.log.error({ err: error, url: request.url, method: request.method }, 'unhandled error');
    return reply
      .status(500)
      .send({ error: { code: 'ZG_ERR_INTERNAL', message: 'internal error; see the gateway log' } });
  });
  const routes = new RouteMethods();
  routes.watch(app);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? request.url;
    // a known path asked with another method is a 405 naming the methods it answers
    const allow = routes.allowedOn(path);
    if (allow.length > 0)
      return reply
        .status(405)
        .header('allow', allow.join(', '))
        .send(send(Errors.methodNotAllowed(request.method, path, allow)));
    return reply.status(404).send(send(Errors.routeNotFound(request.method, path)));
  });
}
