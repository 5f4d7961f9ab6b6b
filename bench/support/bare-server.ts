/**
 * The reference for bench/accept-rate.ts, run as its own process: a bare Fastify (same version as
 * the gateway, default JSON body parser, no logger, no schema, no auth, no database) with the
 * gateway's send route answering 202 with a body of the same shape. It prints `{"port":…}` once
 * listening, and exits on SIGTERM or when its parent goes away.
 */
import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/api/v1/instances/:id/messages', async (_request, reply) =>
  reply.status(202).send({ id: randomUUID(), waMessageId: '3EB0BENCH', status: 'queued' }),
);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`);
const stop = () => void app.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('disconnect', stop);
