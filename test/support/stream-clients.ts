import { connect } from 'node:net';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { type ApiClient, type ApiResponse, eventually, SseReader } from './http-client.ts';

/** A socket.io client of the gateway on `key`, without reconnecting: a close is final. */
export function gatewaySocket(baseUrl: string, key: string): Socket {
  return connectSocket(baseUrl, {
    path: '/socket.io',
    auth: { apiKey: key },
    transports: ['websocket'],
    reconnection: false,
  });
}

/** SSE streams on `paths` and a socket.io connection, all on `key`; `closed` settles once all end. */
export async function openKeyStreams(baseUrl: string, key: string, paths: string[]) {
  const streams = paths.map((path) => new SseReader(`${baseUrl}${path}`, key));
  const socket = gatewaySocket(baseUrl, key);
  const socketClosed = new Promise<void>((resolve) => socket.on('disconnect', () => resolve()));
  await eventually('the streams and the socket to open', () =>
    streams.every((s) => s.status === 200) ? socket.connected : false,
  );
  return {
    open: () => streams.every((s) => !s.ended) && socket.connected,
    closed: () => Promise.all([...streams.map((s) => s.done), socketClosed]),
  };
}

/** Raw TCP clients that each send `text` (part of a request), then nothing; settles once all are closed. */
export async function sendAndStall(port: number, texts: string[]): Promise<void> {
  await Promise.all(
    texts.map(
      (text) =>
        new Promise<void>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => socket.write(text));
          socket.on('error', () => undefined);
          socket.on('close', () => resolve());
          socket.resume();
        }),
    ),
  );
}

/** `count` GETs of `path`, 50 at a time. */
export async function burst<T>(client: ApiClient, path: string, count: number): Promise<ApiResponse<T>[]> {
  const answers: ApiResponse<T>[] = [];
  for (let sent = 0; sent < count; sent += 50)
    answers.push(...(await Promise.all(Array.from({ length: 50 }, () => client.get<T>(path)))));
  return answers;
}
