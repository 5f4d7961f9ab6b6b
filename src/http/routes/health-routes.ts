import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../../store/repositories.ts';

const Liveness = {
  type: 'object',
  required: ['status', 'timestamp', 'uptimeSeconds'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    timestamp: { type: 'string', format: 'date-time', description: "the gateway's clock (ISO 8601)" },
    uptimeSeconds: { type: 'number', minimum: 0, description: 'how long the process has run' },
  },
  examples: [{ status: 'ok', timestamp: '2026-12-01T12:00:00.000Z', uptimeSeconds: 5321.4 }],
} as const;

/** Liveness (the process answers) and readiness (the database answers). No key needed. */
export const healthRoutes =
  (store: Store): FastifyPluginAsync =>
  async (app) => {
    app.get(
      '/health',
      {
        schema: {
          tags: ['health'],
          summary: 'Liveness: the process answers, with the time and how long it has run',
          response: { 200: Liveness },
        },
      },
      async () => ({
        status: 'ok',
        timestamp: new Date().toISOString(),
        uptimeSeconds: Math.round(process.uptime() * 10) / 10,
      }),
    );
    app.get(
      '/health/ready',
      { schema: { tags: ['health'], summary: 'Readiness: the database answers' } },
      async (request, reply) => {
        try {
          await store.ping();
          return { status: 'ready', database: store.dialect };
        } catch (err) {
          request.log.error({ err }, 'readiness check failed');
          return reply.status(503).send({
            status: 'unavailable',
            error: { code: 'ZG_ERR_UNAVAILABLE', message: 'database does not answer' },
          });
        }
      },
    );
  };
