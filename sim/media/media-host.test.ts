import { randomBytes, X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { request } from 'node:https';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimError } from '../errors.ts';
import { type MediaHost, startMediaHost } from './media-host.ts';
import { generateTlsMaterial, type TlsMaterial } from './tls-material.ts';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

interface Call {
  method: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: Buffer;
  ca?: string;
  servername?: string;
}

function call(host: MediaHost, c: Call): Promise<Reply> {
  const [hostname, port] = host.host.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname,
        port: Number(port),
        method: c.method,
        path: c.path,
        headers: { ...c.headers, ...(c.body ? { 'content-length': c.body.length } : {}) },
        ca: c.ca ?? host.certPem,
        ...(c.servername ? { servername: c.servername } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(c.body);
  });
}

describe('generateTlsMaterial', () => {
  it('makes a certificate for the loopback names and addresses', async () => {
    const tls = await generateTlsMaterial();
    const cert = new X509Certificate(tls.cert);
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toMatch(/IP Address:(::1|0:0:0:0:0:0:0:1)/);
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('localhost')).toBe('localhost');
    const validFor = Date.parse(cert.validTo) - Date.now();
    expect(validFor).toBeGreaterThan(300 * 24 * 3600 * 1000);
    expect(tls.key).toContain('PRIVATE KEY');
  });
});

describe('media host', () => {
  let tls: TlsMaterial;
  let host: MediaHost;
  const blob = randomBytes(5000);

  beforeAll(async () => {
    tls = await generateTlsMaterial();
    host = await startMediaHost({ tls, maxBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await host.close();
  });

  it('listens on 127.0.0.1 and announces its certificate', () => {
    expect(host.host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(host.certPem).toBe(tls.cert);
  });

  it('stores an upload and serves it back, whole and by range', async () => {
    const token = 'abc-_def';
    const up = await call(host, {
      method: 'POST',
      path: `/mms/image/${token}?auth=x&token=${token}`,
      body: blob,
    });
    expect(up.status).toBe(200);
    expect(up.headers['content-type']).toBe('application/json');
    const { url, direct_path: directPath } = JSON.parse(up.body.toString()) as Record<string, string>;
    expect(directPath).toMatch(/^\/v\/t62\.7118-24\/[0-9a-f]{32}\.enc$/);
    expect(url).toBe(`https://${host.host}${directPath}`);
    expect(host.get(directPath ?? '')?.equals(blob)).toBe(true);
    expect(host.get(url ?? '')?.equals(blob)).toBe(true);

    const whole = await call(host, { method: 'GET', path: directPath ?? '' });
    expect(whole.status).toBe(200);
    expect(whole.headers['content-length']).toBe('5000');
    expect(whole.body.equals(blob)).toBe(true);

    const tail = await call(host, {
      method: 'GET',
      path: directPath ?? '',
      headers: { range: 'bytes=4096-' },
    });
    expect(tail.status).toBe(206);
    expect(tail.headers['content-range']).toBe('bytes 4096-4999/5000');
    expect(tail.body.equals(blob.subarray(4096))).toBe(true);

    const mid = await call(host, {
      method: 'GET',
      path: directPath ?? '',
      headers: { range: 'bytes=16-47' },
    });
    expect(mid.status).toBe(206);
    expect(mid.headers['content-range']).toBe('bytes 16-47/5000');
    expect(mid.body.equals(blob.subarray(16, 48))).toBe(true);

    const past = await call(host, {
      method: 'GET',
      path: directPath ?? '',
      headers: { range: 'bytes=4990-9999' },
    });
    expect(past.status).toBe(206);
    expect(past.body.equals(blob.subarray(4990))).toBe(true);

    const beyond = await call(host, {
      method: 'GET',
      path: directPath ?? '',
      headers: { range: 'bytes=5000-' },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers['content-range']).toBe('bytes */5000');

    const head = await call(host, { method: 'HEAD', path: directPath ?? '' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('5000');
    expect(head.body.length).toBe(0);

    const again = await call(host, {
      method: 'POST',
      path: `/mms/image/${token}?token=${token}`,
      body: blob,
    });
    const second = JSON.parse(again.body.toString()) as Record<string, string>;
    expect(second.direct_path).not.toBe(directPath);
  });

  it('stores blobs put directly and serves them to clients', async () => {
    const bytes = randomBytes(100);
    const { directPath, url } = host.put(bytes, 'document');
    expect(directPath).toMatch(/^\/v\/t62\.7119-24\//);
    expect(url).toBe(`https://${host.host}${directPath}`);
    const got = await call(host, { method: 'GET', path: `${directPath}?ccb=11-4`, servername: 'localhost' });
    expect(got.status).toBe(200);
    expect(got.body.equals(bytes)).toBe(true);
    expect(() => host.put(Buffer.alloc(64 * 1024 + 1))).toThrow(SimError);
  });

  it('answers 404 for unknown media and 405 for other methods', async () => {
    expect((await call(host, { method: 'GET', path: '/v/t62.7118-24/nothing.enc' })).status).toBe(404);
    expect((await call(host, { method: 'HEAD', path: '/%zz' })).status).toBe(404);
    expect(host.get('/v/t62.7118-24/nothing.enc')).toBeUndefined();
    const put = await call(host, { method: 'PUT', path: '/x', body: Buffer.from('x') });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD, POST');
    expect((await call(host, { method: 'DELETE', path: '/x' })).status).toBe(405);
  });

  it('refuses uploads over the limit with 413, declared or streamed', async () => {
    const big = randomBytes(64 * 1024 + 1);
    const declared = await call(host, { method: 'POST', path: '/mms/video/t', body: big });
    expect(declared.status).toBe(413);
    const streamed = await new Promise<number>((resolve, reject) => {
      const [hostname, port] = host.host.split(':');
      const req = request(
        {
          hostname,
          port: Number(port),
          method: 'POST',
          path: '/mms/video/t',
          ca: host.certPem,
          agent: false,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.write(big.subarray(0, 40_000));
      req.end(big.subarray(40_000));
    });
    expect(streamed).toBe(413);
    expect((await call(host, { method: 'POST', path: '/mms/image/t', body: Buffer.alloc(0) })).status).toBe(
      200,
    );
  });

  it('is only trusted by clients that trust its certificate', async () => {
    const other = await generateTlsMaterial();
    await expect(call(host, { method: 'GET', path: '/', ca: other.cert })).rejects.toThrow();
  });

  it('survives garbage on the socket and keeps serving', async () => {
    const [hostname, port] = host.host.split(':');
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname, () => socket.end('GARBAGE\r\n\r\n'));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
    expect((await call(host, { method: 'GET', path: '/nothing' })).status).toBe(404);
  });
});
