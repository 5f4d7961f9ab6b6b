/**
 * The references for bench/accept-rate.ts and bench/accept-floor.ts, run as their own process: a
 * bare Fastify (same version as the gateway, default JSON body parser, no logger) with the
 * gateway's send route answering 202 with a body of the same shape. It prints `{"port":…}` once
 * listening, and exits on SIGTERM or when its parent goes away.
 *
 * With the argument `validated`, the route also does what the gateway's does before it touches the
 * database: the gateway's ajv options and body schema, and an `onRequest` hook checking a bearer
 * key. No database, no queue: the floor of an accept path that writes nothing.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import { SendBody } from '../../src/http/routes/message-routes.ts';
import { ADMIN_KEY } from '../../test/support/gateway-harness.ts';

const validated = process.argv.includes('validated');
const app = Fastify({
  logger: false,
  ...(validated
    ? {
        ajv: {
          customOptions: {
            removeAdditional: false,
            coerceTypes: 'array' as const,
            useDefaults: true,
            discriminator: true,
          },
        },
      }
    : {}),
});
if (validated) {
  const expected = Buffer.from(`Bearer ${ADMIN_KEY}`);
  app.addHook('onRequest', async (request, reply) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) await reply.status(401).send();
  });
}
app.post(
  '/api/v1/instances/:id/messages',
  validated ? { schema: { body: SendBody } } : {},
  async (_request, reply) =>
    reply.status(202).send({ id: randomUUID(), waMessageId: '3EB0BENCH', status: 'queued' }),
);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('disconnect', stop);
