import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
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
 * Security headers on every response (helmet's, worked out once), and CORS only for `ALLOWED_ORIGINS`: with
 * none configured no cross-origin browser page may call the API.
 */
export function registerSecurityHeaders(app: FastifyInstance, http: HttpConfig): void {
  const headers = helmetHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  if (http.allowedOrigins.length === 0) return;
  app.register(cors, {
    origin: http.allowedOrigins,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'x-api-key', 'content-type', 'last-event-id'],
    maxAge: 600,
  });
}

/**
 * The headers helmet sets for this policy, worked out once: they are the same on every response,
 * and @fastify/helmet built them again (the CSP parsed anew) for every request.
 */
function helmetHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet({ contentSecurityPolicy: CONTENT_SECURITY_POLICY })(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error;
    },
  );
  return headers;
}
