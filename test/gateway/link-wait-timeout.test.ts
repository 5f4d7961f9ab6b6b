import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayProcess, type InstanceJson } from '../support/gateway-harness.ts';

type Failure = { error: { code: string; message: string; details?: Record<string, unknown> } };

/**
 * A WhatsApp server that takes the connection and never says a word: no QR code and no connection
 * can ever come, so ?wait=qr must give up at waitMs with its coded 504 (and the instance goes on).
 */
describe('?wait=qr when nothing comes', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let gw: GatewayProcess;

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    gw = await new GatewayProcess({
      sim: {
        wsUrl: `ws://127.0.0.1:${port}/ws/chat`,
        adminUrl: 'http://127.0.0.1:9',
        mediaHost: '127.0.0.1',
        rootPublicKey: randomBytes(32).toString('base64'),
        tlsCert: '',
      },
    }).start();
  });
  afterAll(async () => {
    await gw?.dispose();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it('answers 504 ZG_ERR_TIMEOUT after waitMs, naming the instance, which is still starting', async () => {
    const res = await gw.api.post<Failure>('/api/v1/instances?wait=qr&waitMs=1500', { name: 'mute' });
    expect(res.status).toBe(504);
    expect(res.body.error.code).toBe('ZG_ERR_TIMEOUT');
    expect(res.body.error.message).toMatch(/within 1500 ms/);
    expect(res.body.error.details).toMatchObject({ name: 'mute', status: 'connecting' });
    const instance = await gw.api.get<InstanceJson>('/api/v1/instances/mute');
    expect(instance.body).toMatchObject({ id: res.body.error.details?.id, status: 'connecting' });
    const start = await gw.api.post<Failure>('/api/v1/instances/mute/start?wait=qr&waitMs=500');
    expect(start.status).toBe(504);
    expect(start.body.error.code).toBe('ZG_ERR_TIMEOUT');
  });
});
