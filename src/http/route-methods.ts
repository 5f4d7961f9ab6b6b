import type { FastifyInstance, HTTPMethods } from 'fastify';

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

const literal = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** `/instances/:id/qr` as a pattern over a concrete path: a parameter is one non-empty segment. */
function patternOf(url: string): RegExp {
  const segments = url.split('/').map((segment) => (segment.startsWith(':') ? '[^/]+' : literal(segment)));
  return new RegExp(`^${segments.join('/')}$`);
}

/**
 * Every route's path and methods as the routes are registered, so that a request that matches no
 * route can be told apart: a known path asked with another method (a 405 with `Allow`) or an
 * unknown path (a 404). Wildcard routes (static files, the docs' assets, CORS preflights) are
 * left out: every path would be "known" to them.
 */
export class RouteMethods {
  private readonly paths = new Map<string, KnownPath>();

  /** Records routes from now on: call before any route is added. */
  watch(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      const url = route.url ?? route.path;
      if (!url || url.includes('*')) return;
      const methods: HTTPMethods[] = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) this.add(method, url);
    });
  }

  add(method: string, url: string): void {
    let known = this.paths.get(url);
    if (!known) {
      known = { pattern: patternOf(url), methods: new Set() };
      this.paths.set(url, known);
    }
    known.methods.add(method.toUpperCase());
    if (method.toUpperCase() === 'GET') known.methods.add('HEAD');
  }

  /** The methods some route answers on this concrete path (sorted), empty for an unknown path. */
  allowedOn(path: string): string[] {
    const allowed = new Set<string>();
    for (const known of this.paths.values())
      if (known.pattern.test(path)) for (const method of known.methods) allowed.add(method);
    return [...allowed].sort();
  }
}
