import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { ADMIN_KEY, GatewayProcess } from '../support/gateway-harness.ts';
import { buildDashboard } from './browser.ts';

const USER = 'operator';
const PASSWORD = 'a long operator password';

let sim: RunningSimulator;
let gw: GatewayProcess;
let base: string;

const login = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** The `name=value` part of the session's Set-Cookie, to send back as a browser would. */
async function sessionCookieOf(body: unknown): Promise<string> {
  const res = await login(body);
  expect(res.status).toBe(200);
  return (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

const withCookie = (cookie: string, path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { cookie, ...(init.headers ?? {}) } });

const codeOf = async (res: Response) => ((await res.json()) as { error: { code: string } }).error.code;

beforeAll(async () => {
  buildDashboard();
  sim = await startSimulator();
  gw = new GatewayProcess({
    sim: sim.info,
    env: { ADMIN_USER: USER, ADMIN_PASSWORD: PASSWORD, AUTH_FAILURES_PER_MINUTE: '8' },
  });
  await gw.start();
  base = `http://127.0.0.1:${gw.port}`;
});

afterAll(async () => {
  await gw?.dispose();
  await sim?.close();
});

describe('dashboard sessions', () => {
  it('signs in with the admin key: an HttpOnly, SameSite=Strict, expiring cookie the API accepts', async () => {
    const res = await login({ apiKey: ADMIN_KEY });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ kind: 'admin', tenantId: null });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^zg_session=[\w-]+\.[\w-]+; /);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/');
    expect(cookie).toContain('Max-Age=43200');
    const session = cookie.split(';')[0] ?? '';
    expect((await withCookie(session, '/api/v1/instances')).status).toBe(200);
    const who = await withCookie(session, '/api/v1/auth/session');
    expect(await who.json()).toMatchObject({ kind: 'admin' });
  });

  it('signs in with ADMIN_USER/ADMIN_PASSWORD; a wrong password or key is a coded 401', async () => {
    const cookie = await sessionCookieOf({ username: USER, password: PASSWORD });
    expect((await withCookie(cookie, '/api/v1/tenants')).status).toBe(200);
    const wrong = await login({ username: USER, password: `${PASSWORD}!` });
    expect(wrong.status).toBe(401);
    expect(await codeOf(wrong)).toBe('ZG_ERR_INVALID_CREDENTIALS');
    const wrongKey = await login({ apiKey: 'zg_not_a_key' });
    expect(wrongKey.status).toBe(401);
    const malformed = await login({ apiKey: 'x', username: 'y' });
    expect(malformed.status).toBe(400);
  });

  it('refuses a change made on the cookie alone (CSRF): X-Requested-With and the own origin are required', async () => {
    const cookie = await sessionCookieOf({ apiKey: ADMIN_KEY });
    const create = (headers: Record<string, string>) =>
      withCookie(cookie, '/api/v1/tenants', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ name: 'csrf-probe' }),
      });
    const bare = await create({});
    expect(bare.status).toBe(403);
    expect(await codeOf(bare)).toBe('ZG_ERR_CSRF');
    const foreign = await create({ 'x-requested-with': 'x', origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await codeOf(foreign)).toBe('ZG_ERR_CSRF');
    const own = await create({ 'x-requested-with': 'zapgate-dashboard', origin: base });
    expect(own.status).toBe(201);
    // a key needs no such header: it is not something a browser sends by itself
    const byKey = await gw.api.post('/api/v1/tenants', { name: 'by-key' });
    expect(byKey.status).toBe(201);
  });

  it('a tenant session sees only its own instances, and ends when its key is revoked', async () => {
    const a = await gw.api.post<{ tenant: { id: string }; apiKey: { id: string; key: string } }>(
      '/api/v1/tenants',
      { name: 'tenant-a' },
    );
    const b = await gw.api.post<{ tenant: { id: string }; apiKey: { key: string } }>('/api/v1/tenants', {
      name: 'tenant-b',
    });
    const mine = await gw.api.withKey(a.body.apiKey.key).post<{ id: string }>('/api/v1/instances', {
      name: 'a-one',
      start: false,
    });
    const theirs = await gw.api.withKey(b.body.apiKey.key).post<{ id: string }>('/api/v1/instances', {
      name: 'b-one',
      start: false,
    });
    const cookie = await sessionCookieOf({ apiKey: a.body.apiKey.key });
    const list = (await (await withCookie(cookie, '/api/v1/instances')).json()) as {
      items: { id: string }[];
    };
    expect(list.items.map((i) => i.id)).toEqual([mine.body.id]);
    expect((await withCookie(cookie, `/api/v1/instances/${theirs.body.id}`)).status).toBe(404);
    const who = await withCookie(cookie, '/api/v1/auth/session');
    expect(await who.json()).toMatchObject({ kind: 'tenant', tenantId: a.body.tenant.id });

    await gw.api.delete(`/api/v1/tenants/${a.body.tenant.id}/keys/${a.body.apiKey.id}`);
    expect((await withCookie(cookie, '/api/v1/instances')).status).toBe(401);
  });

  it('opens the SSE stream with the cookie', async () => {
    const cookie = await sessionCookieOf({ apiKey: ADMIN_KEY });
    const controller = new AbortController();
    const res = await withCookie(cookie, '/api/v1/events', { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    controller.abort();
  });

  it('logs out: the cookie is cleared; a forged or tampered token is no session', async () => {
    const cookie = await sessionCookieOf({ apiKey: ADMIN_KEY });
    const out = await withCookie(cookie, '/api/v1/auth/logout', {
      method: 'POST',
      headers: { 'x-requested-with': 'zapgate-dashboard' },
    });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    const [name, token = ''] = cookie.split('=');
    const [body = '', mac = ''] = token.split('.');
    const forgedBody = Buffer.from(
      JSON.stringify({ principal: { kind: 'admin' }, expiresAt: Date.now() + 1e9 }),
    ).toString('base64url');
    for (const bad of [`${forgedBody}.${mac}`, `${body}.${mac.slice(0, -2)}AA`, 'garbage'])
      expect((await withCookie(`${name}=${bad}`, '/api/v1/instances')).status).toBe(401);
  });

  it('serves the dashboard at / from its own origin, with the CSP, and keeps /docs', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const script = html.match(/src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${base}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${base}/docs/`)).status).toBe(200);
    const openapi = (await (await fetch(`${base}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/login', '/api/v1/auth/logout', '/api/v1/auth/session']),
    );
    expect(Object.keys(openapi.paths).some((path) => path.startsWith('/assets'))).toBe(false);
    const missing = await fetch(`${base}/no-such-page.js`);
    expect(missing.status).toBe(404);
  });

  it('counts wrong sign-ins against the failure budget (429 once over it)', async () => {
    let last = 0;
    for (let i = 0; i < 12 && last !== 429; i++) last = (await login({ apiKey: `zg_wrong_${i}` })).status;
    expect(last).toBe(429);
  });
});
