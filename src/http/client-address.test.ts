import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.ts';
import { clientAddressOf, fastifyTrustProxy } from './client-address.ts';

/** A raw request from `peer` carrying `forwarded` as X-Forwarded-For. */
const request = (peer: string, forwarded?: string) =>
  ({
    socket: { remoteAddress: peer },
    headers: forwarded ? { 'x-forwarded-for': forwarded } : {},
  }) as unknown as IncomingMessage;

describe('TRUST_PROXY', () => {
  it('is off by default, true trusts every hop, a list names the proxies', () => {
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '0' }).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: ' 127.0.0.1, 10.0.0.0/8,loopback ' }).http.trustProxy).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      'loopback',
    ]);
    expect(fastifyTrustProxy(['127.0.0.1', '::1'])).toBe('127.0.0.1,::1');
    expect(fastifyTrustProxy(false)).toBe(false);
  });

  it('refuses what is not an address, a range or a named range', () => {
    for (const bad of ['proxy.example.com', '10.0.0.0/33', '10.0.0.0/8/1', '::1/129', '2'])
      expect(() => loadConfig({ TRUST_PROXY: bad })).toThrow(ConfigError);
  });

  it('finds the client of a raw request by the same rule', () => {
    const viaProxy = request('10.1.2.3', '203.0.113.7, 10.9.9.9');
    expect(clientAddressOf(false)(viaProxy)).toBe('10.1.2.3');
    expect(clientAddressOf(['10.0.0.0/8'])(viaProxy)).toBe('203.0.113.7');
    expect(clientAddressOf(['10.1.2.3'])(viaProxy)).toBe('10.9.9.9');
    expect(clientAddressOf(true)(viaProxy)).toBe('203.0.113.7');
    // a header from a peer that is not a trusted proxy is ignored
    expect(clientAddressOf(['10.0.0.0/8'])(request('198.51.100.1', '203.0.113.7'))).toBe('198.51.100.1');
  });
});

describe('METRICS_PUBLIC', () => {
  it('is off by default and contradicts METRICS_TOKEN', () => {
    expect(loadConfig({}).metricsPublic).toBe(false);
    expect(loadConfig({ METRICS_PUBLIC: '1' }).metricsPublic).toBe(true);
    expect(() => loadConfig({ METRICS_PUBLIC: '1', METRICS_TOKEN: 't' })).toThrow(/contradict/);
  });
});
