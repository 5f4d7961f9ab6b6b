import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { createAdminServer } from './admin/admin-api.ts';
import { readBody, sendError, sendJson } from './admin/http-json.ts';
import { notFound } from './errors.ts';
import { type MediaHost, startMediaHost } from './media/media-host.ts';
import { generateTlsMaterial } from './media/tls-material.ts';
import { StateDir } from './network/state-dir.ts';
import { Connection } from './server/connection.ts';
import { onSocketData } from './server/handshake.ts';
import { forgetRegistration, startRegistration } from './server/linking.ts';
import { login } from './server/login.ts';
import { type CoreOptions, SimCore } from './server/sim-core.ts';
import { routeStanza } from './server/stanza-router.ts';
import { SimulatorApi } from './simulator-api.ts';
import { createServerIdentity, rootFromPrivateKey } from './wire/cert-chain.ts';

export interface SimulatorOptions {
  /** Port of the WhatsApp socket (0: a free one). */
  port?: number;
  /** Port of the admin API (0: a free one). */
  adminPort?: number;
  /** Serve `wss://` with a certificate generated at start. */
  tls?: boolean;
  /** The root private key (base64, 32 bytes), to keep one identity across runs. */
  rootPrivateKey?: string;
  historySync?: Partial<CoreOptions['historySync']>;
  autoDeliveryReceipts?: boolean;
  log?: CoreOptions['log'];
  /**
   * A directory to keep the root key and the network in (see `network/state-dir.ts`): accounts,
   * linked devices, contacts, groups and profiles come back on the next start with the same
   * directory. Off when unset.
   */
  stateDir?: string;
}

export interface SimulatorInfo {
  wsUrl: string;
  adminUrl: string;
  mediaHost: string;
  /** The root public key a client must trust, base64. */
  rootPublicKey: string;
  /** PEM certificate of the media host (and of the socket with `tls`). */
  tlsCert: string;
}

export interface RunningSimulator {
  info: SimulatorInfo;
  api: SimulatorApi;
  /** Media blobs linked clients have downloaded from the media host. */
  mediaDownloads(): number;
  close(): Promise<void>;
}

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolve) => server.close(() => resolve()));

/** Starts the simulated WhatsApp network in this process: socket, media host and admin API. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const tls = await generateTlsMaterial();
  const media = await startMediaHost({ tls });
  const given = options.rootPrivateKey ? rootFromPrivateKey(options.rootPrivateKey) : undefined;
  const state = options.stateDir ? new StateDir(options.stateDir) : undefined;
  const root = state ? state.rootKey(given) : given;
  const core = new SimCore(createServerIdentity(root), media, {
    historySync: { chats: 0, messagesPerChat: 0, ...options.historySync },
    autoDeliveryReceipts: options.autoDeliveryReceipts ?? true,
    log: options.log ?? (() => {}),
  });
  const api = new SimulatorApi(core);
  const onError = (err: unknown) =>
    core.log('error', { error: err instanceof Error ? err.stack : String(err) });
  state?.keep(core, onError);
  const socketHandler = (req: IncomingMessage, res: ServerResponse) =>
    void mockPhoneRoute(api, req, res).catch((err) => sendError(res, err, onError));
  const socketServer = options.tls ? createHttpsServer(tls, socketHandler) : createHttpServer(socketHandler);
  const wss = new WebSocketServer({ server: socketServer, path: '/ws/chat' });
  wss.on('connection', (ws) => acceptConnection(core, ws));
  const port = await listen(socketServer, options.port ?? 0);
  let info: SimulatorInfo | undefined;
  const admin = createAdminServer(api, () => info, onError);
  const adminPort = await listen(admin, options.adminPort ?? 0);
  info = {
    wsUrl: `${options.tls ? 'wss' : 'ws'}://127.0.0.1:${port}/ws/chat`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    mediaHost: media.host,
    rootPublicKey: Buffer.from(core.identity.root.public).toString('base64'),
    tlsCert: tls.cert,
  };
  const running = info;
  return {
    info: running,
    api,
    mediaDownloads: () => media.downloads(),
    close: async () => {
      for (const conn of core.connections) conn.terminate();
      wss.close();
      const closing = Promise.all([closeServer(socketServer), closeServer(admin), media.close()]);
      // keep-alive connections of finished admin requests would hold close() for seconds
      socketServer.closeAllConnections();
      admin.closeAllConnections();
      await closing;
      state?.close(core);
    },
  };
}

function acceptConnection(core: SimCore, ws: WebSocket): void {
  const conn = new Connection(ws);
  core.connections.add(conn);
  const onError = (err: unknown) => {
    core.log('connection-error', { id: conn.id, error: err instanceof Error ? err.message : String(err) });
    conn.terminate();
  };
  ws.on('close', () => {
    conn.stage = 'closed';
    core.connections.delete(conn);
    forgetRegistration(core, conn);
  });
  ws.on('error', onError);
  ws.on('message', (data: Buffer) => {
    conn.enqueue(
      () =>
        onSocketData(core, conn, Buffer.from(data), {
          onRegister: async (c) => startRegistration(core, c),
          onLogin: async (c, phone, device) => login(core, c, phone, device),
          onNode: (c, node) => routeStanza(core, c, node),
        }),
      onError,
    );
  });
}

/** Baileys' own end-to-end convention, on the socket's port: the raw QR string as the body. */
async function mockPhoneRoute(api: SimulatorApi, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://sim').pathname;
  if (req.method === 'POST' && path === '/admin/mock-phone/scan-qr') {
    const qr = (await readBody(req)).toString('utf8').trim();
    return sendJson(res, 200, api.mockPhoneScan(qr));
  }
  throw notFound(`no route ${req.method} ${path}`);
}

export type { MediaHost };
