/**
 * The peer stack's API process (bench/peer-bullmq.ts): the kind of service Zapgate replaces. A
 * Fastify app whose send route checks a bearer key, validates the body with the gateway's own
 * `SendBody` schema (same ajv options), and adds a BullMQ job to Redis, answering 202 with the
 * job's id. No database: the job in Redis is all there is.
 *
 * Environment: PEER_REDIS_PORT, PEER_API_KEY. Prints `{"port":…}` once listening; exits on
 * SIGTERM or when its parent goes away.
 */
import { timingSafeEqual } from 'node:crypto';
import { Queue } from 'bullmq';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import type { Static } from 'typebox';
import { SendBody } from '../../src/http/routes/message-routes.ts';
import { PEER_JOB_OPTIONS, PEER_QUEUE, type PeerJob } from './job.ts';

const redisPort = Number(process.env.PEER_REDIS_PORT);
const keyHeader = Buffer.from(`Bearer ${process.env.PEER_API_KEY ?? ''}`);

const queue = new Queue<PeerJob>(PEER_QUEUE, {
  connection: new Redis({ host: '127.0.0.1', port: redisPort }),
  defaultJobOptions: PEER_JOB_OPTIONS,
});

async function requireKey(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const presented = Buffer.from(request.headers.authorization ?? '');
  const matches = presented.length === keyHeader.length && timingSafeEqual(presented, keyHeader);
  if (!matches) await reply.status(401).send({ error: 'unauthorized' });
}

const app = Fastify({
  logger: false,
  ajv: {
    customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, discriminator: true },
  },
});
app.addHook('onRequest', requireKey);

app.post<{ Params: { id: string }; Body: Static<typeof SendBody> }>(
  '/api/v1/instances/:id/messages',
  { schema: { body: SendBody } },
  async (request, reply) => {
    const { to, text = '' } = request.body;
    const job = await queue.add('send', { instance: request.params.id, to, text });
    return reply.status(202).send({ id: job.id, status: 'queued' });
  },
);

await queue.waitUntilReady();
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`);
const stop = () => void Promise.all([app.close(), queue.close()]).finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('disconnect', stop);
