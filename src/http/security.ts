import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { HttpConfig } from '../config.ts';

/**
 * What a browser may load on a gateway page: everything from the gateway's own origin and nothing
 * from elsewhere (no CDN). Swagger UI at /docs and a dashboard at / need their own scripts, styles
 * (Swagger UI sets inline styles), data: images and fonts, and fetch/WebSocket to the same origin.
 * Not upgrade-insecure-requests: a self-hosted gateway is often reached over plain HTTP on a LAN,
 * where upgrading would break its own pages.
 */
export const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    baseUri: ["'self'"],
    connectSrc: ["'self'"],
    fontSrc: ["'self'", 'data:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    imgSrc: ["'self'", 'data:'],
    objectSrc: ["'none'"],
    scriptSrc: ["'self'"],
    scriptSrcAttr: ["'none'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
  },
};

/**
 * Security headers on every response (@fastify/helmet), and CORS only for `ALLOWED_ORIGINS`: with
 * none configured no cross-origin browser page may call the API.
 */
export function registerSecurityHeaders(app: FastifyInstance, http: HttpConfig): void {
  app.register(helmet, { contentSecurityPolicy: CONTENT_SECURITY_POLICY });
  if (http.allowedOrigins.length === 0) return;
  app.register(cors, {
    origin: http.allowedOrigins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'last-event-id'],
    maxAge: 600,
  });
}
