import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import type { Store } from '../../store/repositories.ts';

/** Liveness (the process answers) and readiness (the database answers). No key needed. */
export const healthRoutes =
  (store: Store): FastifyPluginAsync =>
  async (app) => {
    app.get('/health', { schema: { tags: ['health'], summary: 'Liveness' } }, async () => ({ status: 'ok' }));
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
