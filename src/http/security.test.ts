import { afterEach, describe, expect, it } from 'vitest';
import { httpConfig } from '../config.ts';
import { createLogger } from '../observability/logger.ts';
import { createHttpServer } from './http-server.ts';

const APP = 'https://app.example.com';
const preflight = {
  method: 'OPTIONS' as const,
  url: '/api/v1/instances',
  headers: {
    origin: APP,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'authorization,content-type',
  },
};

let close = async () => {};
afterEach(() => close());

async function server(env: Record<string, string> = {}) {
  const app = createHttpServer(createLogger('silent'), httpConfig(env));
  app.get('/api/v1/instances', async () => []);
  await app.ready();
  close = () => app.close();
  return app;
}

describe('security headers and CORS', () => {
  it('sends security headers, with a same-origin content security policy', async () => {
    const res = await (await server()).inject({ url: '/api/v1/instances' });
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
    });
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('refuses cross-origin browsers by default', async () => {
    const app = await server();
    const res = await app.inject(preflight);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    const get = await app.inject({ url: '/api/v1/instances', headers: { origin: APP } });
    expect(get.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows the origins in ALLOWED_ORIGINS, and only those', async () => {
    const app = await server({ ALLOWED_ORIGINS: `${APP}, http://localhost:5173` });
    const res = await app.inject(preflight);
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(String(res.headers['access-control-allow-headers'])).toContain('authorization');
    const other = await app.inject({
      ...preflight,
      headers: { ...preflight.headers, origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses an ALLOWED_ORIGINS entry that is not an origin', () => {
    expect(() => httpConfig({ ALLOWED_ORIGINS: 'https://app.example.com/path' })).toThrow(/ALLOWED_ORIGINS/);
    expect(() => httpConfig({ ALLOWED_ORIGINS: '*' })).toThrow(/ALLOWED_ORIGINS/);
  });
});
