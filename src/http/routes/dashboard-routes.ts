import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/**
 * The nearest directory at or above `from` that holds a `package.json`: the repository's root,
 * whether this module runs from `src/`, from `tsc`'s `dist/src/` or from a bundle.
 */
function projectRoot(from: string): string {
  for (let dir = from; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return from;
}

/** Where `npm run build:web` (Vite) writes the dashboard: `web/dist` at the repository's root. */
export const DASHBOARD_DIR = join(projectRoot(import.meta.dirname), 'web/dist');

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Zapgate</title>
<h1>The dashboard is not built</h1>
<p>Run <code>npm run build:web</code> (npm start and npm test do it), then reload.
The API is at <a href="/docs">/docs</a>.</p>`;

/**
 * The dashboard at `/`: the static files Vite built from `web/`, from the gateway's own origin (the
 * CSP allows nothing else). File names under `assets/` carry a content hash and are cached for
 * good; `index.html` is looked up again every time so a new build is picked up at once.
 */
export const dashboardRoutes =
  (root: string = DASHBOARD_DIR): FastifyPluginAsync =>
  async (app) => {
    if (!existsSync(join(root, 'index.html'))) {
      app.get('/', { schema: { hide: true } }, async (_request, reply) =>
        reply.status(503).type('text/html; charset=utf-8').send(NOT_BUILT),
      );
      return;
    }
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      index: 'index.html',
      cacheControl: false,
      schemaHide: true,
      setHeaders: (reply, path) => {
        const immutable = path.includes(`${join(root, 'assets')}`);
        reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  };
