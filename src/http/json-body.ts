import type { FastifyInstance } from 'fastify';
import { Errors } from '../errors.ts';

/**
 * JSON bodies, where an empty body counts as none: many HTTP clients send `Content-Type:
 * application/json` on a POST without a body, and `POST /instances/x/start` should just work.
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(Errors.validation(`the body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
  // A POST with no body at all is an empty object: its schema then says what, if anything, is missing.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && (request.method === 'POST' || request.method === 'PATCH'))
      request.body = {};
  });
}
