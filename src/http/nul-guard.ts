import type { FastifyInstance } from 'fastify';
import { Errors } from '../errors.ts';

/**
 * Refuses U+0000 in the URL and in any string of a parsed body. PostgreSQL cannot store it in
 * text (a 500 from the driver, after the request passed validation), and SQLite would: refused at
 * the edge, a request is answered the same on both databases, before anything is written.
 */
export function registerNulGuard(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (/%00/i.test(request.url))
      throw Errors.validation(
        'the URL holds a NUL character (%00), which no id, name or parameter may contain',
      );
  });
  // after the routes' own preValidation, which turns a multipart form into the body
  app.addHook('preHandler', async (request) => {
    if (holdsNul(request.body))
      throw Errors.validation('the body holds a NUL character (\\u0000), which no field may contain');
  });
}

/** Any string (or object key) with a NUL, however deep: iterative, so that no nesting overflows the stack. */
function holdsNul(body: unknown): boolean {
  const pending: unknown[] = [body];
  while (pending.length) {
    const value = pending.pop();
    if (typeof value === 'string') {
      if (value.includes('\u0000')) return true;
    } else if (Array.isArray(value)) {
      pending.push(...value);
    } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\u0000')) return true;
        pending.push(item);
      }
    }
  }
  return false;
}
