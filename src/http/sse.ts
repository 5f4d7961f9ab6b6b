import type { FastifyReply, FastifyRequest } from 'fastify';

const HEARTBEAT_MS = 15_000;

export interface SseStream {
  send(event: { id?: string; event?: string; data: unknown }): void;
  onClose(fn: () => void): void;
}

/** Takes over the response as a `text/event-stream`, with a heartbeat comment to keep proxies open. */
export function openSse(request: FastifyRequest, reply: FastifyReply): SseStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': connected\n\n');
  const heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
  const closers: Array<() => void> = [() => clearInterval(heartbeat)];
  request.raw.on('close', () => {
    for (const fn of closers.splice(0)) fn();
  });
  return {
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
}
