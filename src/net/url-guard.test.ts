import { describe, expect, it } from 'vitest';
import { assertFetchableUrl, isPrivateAddress } from './url-guard.ts';

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

  it('refuses loopback URLs unless allowed, and non-http schemes always', async () => {
    await expect(assertFetchableUrl('http://127.0.0.1:9/x', false)).rejects.toThrow(/private or loopback/);
    await expect(assertFetchableUrl('http://localhost:9/x', false)).rejects.toThrow(/private or loopback/);
    await expect(assertFetchableUrl('http://[::1]:9/x', false)).rejects.toThrow(/private or loopback/);
    await expect(assertFetchableUrl('file:///etc/passwd', true)).rejects.toThrow(/http and https/);
    await expect(assertFetchableUrl('not a url', true)).rejects.toThrow(/not a URL/);
    expect((await assertFetchableUrl('http://127.0.0.1:9/x', true)).port).toBe('9');
  });
});
