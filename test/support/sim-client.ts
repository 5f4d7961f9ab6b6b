import { Agent as HttpsAgent } from 'node:https';
import { Boom } from '@hapi/boom';
import makeWASocket, {
  Browsers,
  type ConnectionState,
  DisconnectReason,
  WA_CERT_DETAILS,
  type WAMessage,
  type WASocket,
} from 'baileys';
import pino from 'pino';
import { Agent as UndiciAgent } from 'undici';
import type { SimulatorInfo } from '../../sim/simulator.ts';
import { MemoryAuth } from './memory-auth.ts';

export interface ClientOptions {
  name?: string;
  auth?: MemoryAuth;
  keepAliveIntervalMs?: number;
  /** Reconnect on its own after a close that is not a logout (like an application would). */
  autoReconnect?: boolean;
}

export interface Update {
  id: string;
  status: number | null | undefined;
}

const logger = pino({ level: process.env.BAILEYS_LOG ?? 'silent' });

/** Trust the simulator's root key: only ever in a process that was told to talk to the simulator. */
export function trustSimulator(info: SimulatorInfo): void {
  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(info.rootPublicKey, 'base64');
}

/**
 * A real Baileys socket driven against the simulator, with what tests wait on: connection updates,
 * received messages and status updates, and reconnection after the 515 restart that ends linking.
 */
export class SimClient {
  sock!: WASocket;
  readonly auth: MemoryAuth;
  readonly received: WAMessage[] = [];
  readonly updates: Update[] = [];
  readonly closes: number[] = [];
  readonly events: Array<{ name: string; data: unknown }> = [];
  /** Server acks of this client's messages, as they came off the wire. */
  readonly acks: Array<Record<string, string>> = [];
  lastQr: string | undefined;
  isOpen = false;
  opens = 0;
  private waiters: Array<() => void> = [];
  private stopped = false;
  readonly fetchAgent: HttpsAgent;
  readonly dispatcher: UndiciAgent;

  constructor(
    readonly info: SimulatorInfo,
    readonly options: ClientOptions = {},
  ) {
    this.auth = options.auth ?? new MemoryAuth();
    this.fetchAgent = new HttpsAgent({ ca: info.tlsCert });
    this.dispatcher = new UndiciAgent({ connect: { ca: info.tlsCert } });
  }

  connect(): this {
    trustSimulator(this.info);
    const sock = makeWASocket({
      auth: this.auth.state,
      waWebSocketUrl: this.info.wsUrl,
      logger,
      browser: Browsers.ubuntu(this.options.name ?? 'Zapgate Test'),
      markOnlineOnConnect: false,
      fetchAgent: this.fetchAgent,
      keepAliveIntervalMs: this.options.keepAliveIntervalMs ?? 30_000,
      ...(this.info.wsUrl.startsWith('wss') ? { agent: this.fetchAgent } : {}),
    });
    this.sock = sock;
    sock.ev.on('creds.update', () => this.notify());
    sock.ws.on('CB:ack,class:message', (node: { attrs: Record<string, string> }) => {
      this.acks.push(node.attrs);
      this.notify();
    });
    sock.ev.on('connection.update', (u) => this.onConnectionUpdate(sock, u));
    sock.ev.on('messages.upsert', ({ messages }) => {
      this.received.push(...messages);
      this.notify();
    });
    sock.ev.on('messages.update', (ups) => {
      for (const u of ups) this.updates.push({ id: u.key.id ?? '', status: u.update.status });
      this.notify();
    });
    for (const name of [
      'groups.upsert',
      'groups.update',
      'group-participants.update',
      'messaging-history.set',
    ] as const) {
      sock.ev.on(name, (data: unknown) => {
        this.events.push({ name, data });
        this.notify();
      });
    }
    return this;
  }

  private onConnectionUpdate(sock: WASocket, u: Partial<ConnectionState>): void {
    if (sock !== this.sock) return;
    if (u.qr) this.lastQr = u.qr;
    if (u.connection === 'open') {
      this.isOpen = true;
      this.opens += 1;
    }
    if (u.connection === 'close') {
      this.isOpen = false;
      const code = (u.lastDisconnect?.error as Boom | undefined)?.output?.statusCode ?? 0;
      this.closes.push(code);
      const again =
        code === DisconnectReason.restartRequired ||
        (this.options.autoReconnect && code !== DisconnectReason.loggedOut);
      if (again && !this.stopped)
        setTimeout(() => this.connect(), code === DisconnectReason.restartRequired ? 0 : 200);
    }
    this.notify();
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves when `predicate` holds, re-checked on every event; fails after `timeoutMs`. */
  async waitFor<T>(what: string, predicate: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  waitForQr(): Promise<string> {
    return this.waitFor('a QR code', () => this.lastQr);
  }

  waitForOpen(count = this.opens + 1, timeoutMs = 30_000): Promise<true> {
    return this.waitFor('the connection to open', () => this.opens >= count && this.isOpen, timeoutMs);
  }

  waitForClose(code: number, timeoutMs = 30_000): Promise<true> {
    return this.waitFor(`a close with ${code}`, () => this.closes.includes(code), timeoutMs);
  }

  waitForMessage(
    match: (m: WAMessage) => boolean,
    what = 'a message',
    timeoutMs = 30_000,
  ): Promise<WAMessage> {
    return this.waitFor(what, () => this.received.find(match), timeoutMs);
  }

  waitForStatus(id: string, status: number, timeoutMs = 30_000): Promise<true> {
    // Baileys folds a receipt that lands while the send is still buffered into the sent message itself.
    const reached = () =>
      this.updates.some((u) => u.id === id && (u.status ?? 0) >= status) ||
      this.received.some((m) => m.key.fromMe && m.key.id === id && (m.status ?? 0) >= status);
    return this.waitFor(`status ${status} of ${id}`, reached, timeoutMs);
  }

  /** `phone` of this linked client, from its credentials. */
  get phone(): string {
    return (this.auth.state.creds.me?.id ?? '').split(':')[0]?.split('@')[0] ?? '';
  }

  end(): void {
    this.stopped = true;
    this.sock?.end(new Boom('test done', { statusCode: DisconnectReason.connectionClosed }));
    this.sock?.ws.close();
  }
}

export { Boom };
