import { Agent as HttpsAgent } from 'node:https';
import type { Boom } from '@hapi/boom';
import makeWASocket, { Browsers, DisconnectReason, type WASocket } from 'baileys';
import pino from 'pino';
import type { SimulatorInfo } from '../../sim/simulator.ts';
import { MemoryAuth } from '../../test/support/memory-auth.ts';
import { trustSimulator } from '../../test/support/sim-client.ts';
import type { SimAdmin } from './sim-admin.ts';

/**
 * A bare Baileys socket as an application without Zapgate would hold it: in-memory auth, one
 * shared HTTPS agent, the same socket options as the gateway's engine, nothing recorded.
 */
export interface RawSocket {
  readonly phone: string;
  readonly sock: WASocket;
  end(): void;
}

const LINK_TIMEOUT_MS = 180_000;
const logger = pino({ level: 'silent' });

export interface RawSocketFactory {
  link(name: string): Promise<RawSocket>;
}

/** Trusts the simulator's root in this process, which is told to talk to the simulator only. */
export function rawSocketFactory(info: SimulatorInfo, sim: SimAdmin): RawSocketFactory {
  trustSimulator(info);
  const agent = new HttpsAgent({ ca: info.tlsCert, keepAlive: true });
  return { link: (name) => linkRawSocket(info, sim, agent, name) };
}

async function linkRawSocket(
  info: SimulatorInfo,
  sim: SimAdmin,
  agent: HttpsAgent,
  name: string,
): Promise<RawSocket> {
  const { phone } = await sim.createAccount(name);
  const auth = new MemoryAuth();
  let current: WASocket | undefined;
  let scanned: string | undefined;
  let retries = 0;
  const opened = new Promise<WASocket>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} did not link in ${LINK_TIMEOUT_MS} ms`)),
      LINK_TIMEOUT_MS,
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      current?.end(undefined);
      reject(err);
    };
    const connect = () => {
      const sock = makeWASocket({
        auth: auth.state,
        waWebSocketUrl: info.wsUrl,
        logger,
        browser: Browsers.ubuntu('Zapgate Bench'),
        markOnlineOnConnect: false,
        syncFullHistory: false,
        keepAliveIntervalMs: 30_000,
        fetchAgent: agent,
      });
      current = sock;
      sock.ev.on('connection.update', (u) => {
        if (sock !== current) return;
        if (u.qr && u.qr !== scanned) {
          scanned = u.qr;
          // A failed scan is retried with the next QR code the socket shows.
          sim.linkQr(phone, u.qr).catch(() => undefined);
        }
        if (u.connection === 'open') {
          clearTimeout(timer);
          resolve(sock);
        }
        if (u.connection === 'close') {
          const code = (u.lastDisconnect?.error as Boom | undefined)?.output?.statusCode ?? 0;
          // 515 ends linking: log in again with the new credentials, as Baileys expects. A
          // handshake that timed out under load (408) or dropped is tried again a few times.
          if (code === DisconnectReason.restartRequired) setTimeout(connect, 0);
          else if (code !== DisconnectReason.loggedOut && retries++ < 5) setTimeout(connect, 500);
          else fail(new Error(`${name} closed with ${code} while linking`));
        }
      });
    };
    connect();
  });
  const sock = await opened;
  return { phone, sock, end: () => sock.end(undefined) };
}
