import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { badInput } from '../errors.ts';
import type { TlsMaterial } from './tls-material.ts';

/** The simulated WhatsApp media CDN: stores encrypted media blobs and serves them back over HTTPS. */
export interface MediaHost {
  /** `127.0.0.1:<port>`: what the simulator announces as the media host in `media_conn`. */
  readonly host: string;
  /** The TLS certificate clients must trust to talk to this host. */
  readonly certPem: string;
  /** Stores an already-encrypted blob (as a simulated contact would upload it). */
  put(bytes: Buffer, kind?: string): { directPath: string; url: string };
  /** The blob stored under `directPath` (a direct path, or a full URL of this host); do not modify it. */
  get(directPath: string): Buffer | undefined;
  /** Blobs served over HTTP (GET) so far: what linked clients downloaded. */
  downloads(): number;
  close(): Promise<void>;
}

export interface MediaHostOptions {
  tls: TlsMaterial;
  /** 0 or absent: a random free port. */
  port?: number;
  /** Largest accepted upload, in bytes (default 64 MiB). */
  maxBytes?: number;
}

export const DEFAULT_MAX_MEDIA_BYTES = 64 * 1024 * 1024;

/** The path segment WhatsApp's CDN uses per kind of media (cosmetic: any segment works). */
const PATH_SEGMENTS: Readonly<Record<string, string>> = {
  image: 't62.7118-24',
  video: 't62.7161-24',
  audio: 't62.7117-24',
  document: 't62.7119-24',
  sticker: 't62.15575-24',
};

type ByteRange = { start: number; end: number };

/** Starts the media host on 127.0.0.1 and resolves once it is listening. */
export async function startMediaHost(opts: MediaHostOptions): Promise<MediaHost> {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_MEDIA_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw badInput('maxBytes must be a non-negative integer');
  }
  const blobs = new Map<string, Buffer>();
  let host = '';
  let downloads = 0;

  const put = (bytes: Buffer, kind?: string): { directPath: string; url: string } => {
    if (bytes.length > maxBytes) {
      throw badInput(`media is ${bytes.length} bytes; the limit is ${maxBytes}`);
    }
    const segment = (kind !== undefined && PATH_SEGMENTS[kind]) || PATH_SEGMENTS.image;
    const directPath = `/v/${segment}/${randomBytes(16).toString('hex')}.enc`;
    blobs.set(directPath, Buffer.from(bytes));
    return { directPath, url: `https://${host}${directPath}` };
  };
  const get = (directPath: string): Buffer | undefined => {
    const path = pathOf(directPath);
    return path === undefined ? undefined : blobs.get(path);
  };

  const server = createServer({ key: opts.tls.key, cert: opts.tls.cert }, (req, res) => {
    handleRequest(req, res, { put, get, maxBytes, served: () => downloads++ }).catch(() => {
      if (!res.headersSent) {
        sendText(res, 500, 'internal error');
      } else {
        res.destroy();
      }
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());
  server.on('tlsClientError', () => {});
  const port = await listen(server, opts.port ?? 0);
  host = `127.0.0.1:${port}`;

  return {
    host,
    certPem: opts.tls.cert,
    put,
    get,
    downloads: () => downloads,
    close: () => closeServer(server),
  };
}

interface Handlers {
  put: MediaHost['put'];
  get: MediaHost['get'];
  maxBytes: number;
  served: () => void;
}

async function handleRequest(req: IncomingMessage, res: ServerResponse, h: Handlers): Promise<void> {
  req.on('error', () => {});
  res.on('error', () => {});
  const method = req.method ?? '';
  if (method === 'POST') {
    await handleUpload(req, res, h);
    return;
  }
  req.resume();
  if (method === 'GET' || method === 'HEAD') {
    const path = pathOf(req.url ?? '');
    const blob = path === undefined ? undefined : h.get(path);
    if (!blob) {
      sendText(res, 404, 'no such media');
      return;
    }
    if (method === 'GET') h.served();
    serveBlob(req, res, blob, method === 'HEAD');
    return;
  }
  res.setHeader('allow', 'GET, HEAD, POST');
  sendText(res, 405, 'method not allowed');
}

async function handleUpload(req: IncomingMessage, res: ServerResponse, h: Handlers): Promise<void> {
  const body = await readBody(req, h.maxBytes);
  if (body === 'too-large') {
    res.setHeader('connection', 'close');
    sendText(res, 413, `upload exceeds ${h.maxBytes} bytes`);
    return;
  }
  const kind = uploadKind(req.url ?? '');
  const { directPath, url } = h.put(body, kind);
  const json = Buffer.from(JSON.stringify({ url, direct_path: directPath }));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': json.length });
  res.end(json);
}

/** The media kind an upload URL names: Baileys posts to `/mms/<kind>/<token>?auth=…`. */
function uploadKind(rawUrl: string): string | undefined {
  const path = pathOf(rawUrl);
  const parts = path?.split('/') ?? [];
  return parts[1] === 'mms' ? parts[2] : undefined;
}

/**
 * Reads the request body, or answers 'too-large' as soon as it is known to exceed `maxBytes` (the rest
 * of the body is then drained and dropped, so the client can still read the response).
 */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > maxBytes) {
      req.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let overflowed = false;
    req.on('data', (chunk: Buffer) => {
      if (overflowed) return;
      size += chunk.length;
      if (size > maxBytes) {
        overflowed = true;
        chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('upload aborted'));
    });
  });
}

function serveBlob(req: IncomingMessage, res: ServerResponse, blob: Buffer, headOnly: boolean): void {
  res.setHeader('accept-ranges', 'bytes');
  res.setHeader('content-type', 'application/octet-stream');
  const range = parseRange(req.headers.range, blob.length);
  if (range === 'unsatisfiable') {
    res.setHeader('content-range', `bytes */${blob.length}`);
    sendText(res, 416, 'range not satisfiable');
    return;
  }
  const body = range ? blob.subarray(range.start, range.end + 1) : blob;
  if (range) {
    res.setHeader('content-range', `bytes ${range.start}-${range.end}/${blob.length}`);
  }
  res.writeHead(range ? 206 : 200, { 'content-length': body.length });
  res.end(headOnly ? undefined : body);
}

/**
 * Parses a single `bytes=N-`, `bytes=N-M` or `bytes=-S` range. Anything it does not understand (other
 * units, several ranges, malformed) is ignored, as HTTP allows, and the whole blob is served.
 */
function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = header === undefined ? null : /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header);
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}

/** The path part of a direct path or URL, without query or fragment; undefined when unparseable. */
function pathOf(pathOrUrl: string): string | undefined {
  try {
    const url = new URL(pathOrUrl, 'https://media.invalid');
    return decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
}

function sendText(res: ServerResponse, status: number, message: string): void {
  const body = Buffer.from(`${message}\n`);
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
