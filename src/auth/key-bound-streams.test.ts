import { describe, expect, it } from 'vitest';
import type { Principal } from '../domain/tenant.ts';
import { KeyBoundStreams } from './key-bound-streams.ts';

const tenantKey = (tenantId: string, keyId: string): Principal => ({ kind: 'tenant', tenantId, keyId });

describe('KeyBoundStreams', () => {
  it('ends the streams of a revoked key or tenant, and leaves the others open', () => {
    const streams = new KeyBoundStreams(async () => new Set());
    const ended: string[] = [];
    streams.bind(tenantKey('t1', 'k1'), () => ended.push('k1'));
    streams.bind(tenantKey('t1', 'k2'), () => ended.push('k2'));
    streams.bind(tenantKey('t2', 'k3'), () => ended.push('k3'));
    streams.bind({ kind: 'admin' }, () => ended.push('admin'));
    streams.endKeys(['k1']);
    expect(ended).toEqual(['k1']);
    streams.endTenant('t1');
    expect(ended).toEqual(['k1', 'k2']);
    expect(streams.count(tenantKey('t2', 'k3'))).toBe(1);
    expect(streams.count({ kind: 'admin' })).toBe(1);
  });

  it('ends, on a re-check, the streams whose key another process revoked', async () => {
    const active = new Map([['t1', new Set(['k1', 'k2'])]]);
    const streams = new KeyBoundStreams(async (tenantId) => active.get(tenantId) ?? new Set());
    const ended: string[] = [];
    streams.bind(tenantKey('t1', 'k1'), () => ended.push('k1'));
    streams.bind(tenantKey('t1', 'k2'), () => ended.push('k2'));
    const release = streams.bind(tenantKey('t9', 'k9'), () => ended.push('k9'));
    release();
    active.set('t1', new Set(['k2']));
    await streams.recheck();
    expect(ended).toEqual(['k1']);
    active.delete('t1');
    await streams.recheck();
    expect(ended).toEqual(['k1', 'k2']);
  });
});
