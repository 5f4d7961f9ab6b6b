import type { LookupAddress } from 'node:dns';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  assertFetchableUrl,
  guardedAgent,
  guardedLookup,
  isPrivateAddress,
  UrlRefused,
} from './url-guard.ts';

/** A resolver that answers what the test says, as a rebinding DNS server would. */
const answering =
  (...addresses: string[]) =>
  (_host: string, cb: (err: NodeJS.ErrnoException | null, found: LookupAddress[]) => void) =>
    cb(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

const lookupWith = (resolve: ReturnType<typeof answering>, all: boolean) =>
  new Promise<{ err: Error | null; found: unknown }>((done) =>
    guardedLookup(resolve)('api.example', { all }, (err, found) => done({ err, found })),
  );

describe('url guard', () => {
  it('knows private, loopback and link-local addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '192.168.0.1',
      '172.20.0.1',
      '169.254.169.254',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111'])
      expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses the special-purpose ranges: IETF protocol, IPv4-compatible, site-local, Teredo', () => {
    for (const a of [
      '192.0.0.1',
      '192.0.0.170',
      '::',
      '::8.8.8.8',
      '::808:808',
      'fec0::1',
      'feff::1',
      '2001::1',
    ])
      expect(isPrivateAddress(a), a).toBe(true);
    expect(isPrivateAddress('192.0.1.1')).toBe(false);
  });

  it('judges NAT64, 6to4 and IPv4-mapped addresses by the IPv4 address they embed, in any notation', () => {
    for (const a of [
      '64:ff9b::127.0.0.1',
      '64:ff9b::7f00:1',
      '64:ff9b::a9fe:a9fe',
      '64:ff9b:1::808:808',
      '2002:7f00:1::',
      '2002:a00:1:1::5',
      '2002:c0a8:101::1',
      '::ffff:7f00:1',
      '::ffff:a00:1',
      '::ffff:0:7f00:1',
    ])
      expect(isPrivateAddress(a), a).toBe(true);
    for (const a of ['64:ff9b::8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '::ffff:808:808'])
      expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses loopback URLs unless allowed, and non-http schemes always', async () => {
    await expect(assertFetchableUrl('http://127.0.0.1:9/x', false)).rejects.toThrow(/private or loopback/);
    await expect(assertFetchableUrl('http://localhost:9/x', false)).rejects.toThrow(/private or loopback/);
    await expect(assertFetchableUrl('http://[::1]:9/x', false)).rejects.toThrow(/private or loopback/);
    await expect(assertFetchableUrl('http://[64:ff9b::7f00:1]:9/x', false)).rejects.toThrow(/private/);
    await expect(assertFetchableUrl('file:///etc/passwd', true)).rejects.toThrow(/http and https/);
    await expect(assertFetchableUrl('not a url', true)).rejects.toThrow(/not a URL/);
    expect((await assertFetchableUrl('http://127.0.0.1:9/x', true)).port).toBe('9');
  });

  it('refuses, in the lookup the connection uses, a name answering any private address', async () => {
    for (const answer of [['10.0.0.7'], ['8.8.8.8', '127.0.0.1'], ['64:ff9b::a00:7']]) {
      const { err } = await lookupWith(answering(...answer), true);
      expect(err, answer.join()).toBeInstanceOf(UrlRefused);
    }
    expect((await lookupWith(answering(), false)).err).toBeInstanceOf(UrlRefused);
    expect(await lookupWith(answering('8.8.8.8'), false)).toEqual({ err: null, found: '8.8.8.8' });
    expect(await lookupWith(answering('8.8.8.8', '2606:4700::1111'), true)).toMatchObject({
      err: null,
      found: [{ address: '8.8.8.8' }, { address: '2606:4700::1111' }],
    });
  });

  it('connects only to what the guarded lookup let through: a name rebound to loopback gets no request', async () => {
    let requests = 0;
    const server = createServer((_req, res) => {
      requests += 1;
      res.end('secret');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    // the up-front check saw a public address; the connection's own resolution answers loopback
    const dispatcher = guardedAgent(answering('127.0.0.1'));
    try {
      const failure = await fetch(`http://rebound.example:${port}/`, { dispatcher }).catch((e: Error) => e);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).cause).toBeInstanceOf(UrlRefused);
      expect(requests).toBe(0);
    } finally {
      await dispatcher.close();
      await new Promise((r) => server.close(r));
    }
  });
});
