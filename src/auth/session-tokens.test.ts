import { describe, expect, it } from 'vitest';
import { readCookie, SessionTokens, sessionCookie } from './session-tokens.ts';

const tenant = { kind: 'tenant', tenantId: 't1', keyId: 'k1' } as const;

describe('SessionTokens', () => {
  it('gives back the claims of its own unexpired tokens', () => {
    const tokens = new SessionTokens('secret one');
    const token = tokens.sign({ principal: tenant, expiresAt: 2_000 });
    expect(tokens.verify(token, 1_000)).toEqual({ principal: tenant, expiresAt: 2_000 });
  });

  it('refuses an expired token, another secret, a changed body or signature, and garbage', () => {
    const tokens = new SessionTokens('secret one');
    const token = tokens.sign({ principal: { kind: 'admin' }, expiresAt: 2_000 });
    expect(tokens.verify(token, 2_000)).toBeUndefined();
    expect(new SessionTokens('secret two').verify(token, 1_000)).toBeUndefined();
    const [body = '', mac = ''] = token.split('.');
    const other = Buffer.from(JSON.stringify({ principal: tenant, expiresAt: 2_000 })).toString('base64url');
    expect(tokens.verify(`${other}.${mac}`, 1_000)).toBeUndefined();
    expect(tokens.verify(`${body}.${mac.slice(1)}`, 1_000)).toBeUndefined();
    expect(tokens.verify(`${token}.x`, 1_000)).toBeUndefined();
    expect(tokens.verify('', 1_000)).toBeUndefined();
  });

  it('refuses well-signed claims of the wrong shape', () => {
    const tokens = new SessionTokens('secret one');
    const odd = tokens.sign({ principal: { kind: 'tenant' } as never, expiresAt: 2_000 });
    expect(tokens.verify(odd, 1_000)).toBeUndefined();
  });
});

describe('session cookies', () => {
  it('reads one cookie among others, and writes the attributes a session needs', () => {
    expect(readCookie('a=1; zg_session=abc.def; b=2', 'zg_session')).toBe('abc.def');
    expect(readCookie('zg_sessionx=1', 'zg_session')).toBeUndefined();
    expect(readCookie(undefined, 'zg_session')).toBeUndefined();
    expect(sessionCookie('v', 60, true)).toBe(
      'zg_session=v; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure',
    );
  });
});
