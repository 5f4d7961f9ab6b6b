import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { KeyBoundStreams } from '../auth/key-bound-streams.ts';
import { Errors } from '../errors.ts';

const HEARTBEAT_MS = 15_000;

export interface SseStream {
  send(event: { id?: string; event?: string; data: unknown }): void;
  onClose(fn: () => void): void;
}

export type OpenSse = (request: FastifyRequest, reply: FastifyReply) => SseStream;

/** The streams open per key, and how many one key may hold (`MAX_STREAMS_PER_KEY`). */
export interface StreamLimits {
  keys: KeyBoundStreams;
  maxPerKey: number;
}

/**
 * How a route plugin opens its streams. A stream never ends by itself and Fastify's close waits
 * for every open response, so the streams still open are ended when the server starts closing;
 * a stream is also bound to the key that opened it, and ends when that key is revoked.
 */
export function sseStreams(app: FastifyInstance, limits: StreamLimits): OpenSse {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of open) end();
  });
  return (request, reply) => {
    // thrown before the response is taken over, so it is answered as a coded 429
    if (limits.keys.count(request.principal) >= limits.maxPerKey) throw Errors.streamLimit(limits.maxPerKey);
    const { stream, end } = openSse(request, reply);
    open.add(end);
    const release = limits.keys.bind(request.principal, end);
    stream.onClose(() => {
      open.delete(end);
      release();
    });
    return stream;
  };
}

/** Takes over the response as a `text/event-stream`, with a heartbeat comment to keep proxies open. */
function openSse(request: FastifyRequest, reply: FastifyReply): { stream: SseStream; end: () => void } {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    // never reused: a client's next request must not land on a connection the stream's end closes
    connection: 'close',
    'x-accel-buffering': 'no',
  });
  res.write(': connected\n\n');
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  const closers: Array<() => void> = [() => clearInterval(heartbeat)];
  request.raw.on('close', () => {
    for (const fn of closers.splice(0)) fn();
  });
  const stream: SseStream = {
    send({ id, event, data }) {
      if (res.writableEnded) return;
      const lines = [
        id ? `id: ${id}` : '',
        event ? `event: ${event}` : '',
        `data: ${JSON.stringify(data)}`,
      ].filter(Boolean);
      res.write(`${lines.join('\n')}\n\n`);
    },
    onClose(fn) {
      closers.push(fn);
    },
  };
  const end = () => {
    const socket = res.socket;
    res.end();
    // the connection goes with the stream, or the server would wait for it
    socket?.destroySoon();
  };
  return { stream, end };
}
