import { EventEmitter } from 'node:events';
import { Boom } from '@hapi/boom';
import makeWASocket, { type ConnectionState, DisconnectReason, type WASocket } from 'baileys';
import type {
  CloseInfo,
  EngineConnection,
  EngineEventMap,
  EngineListener,
  LinkedIdentity,
} from '../engine.ts';
import { classifyClose } from './close-reason.ts';

type SocketConfig = Parameters<typeof makeWASocket>[0];

const phoneOf = (jid: string | undefined): string => jid?.split('@')[0]?.split(':')[0] ?? '';

/** One Baileys socket seen through the engine interface. */
export class BaileysConnection implements EngineConnection {
  private readonly emitter = new EventEmitter();
  private readonly sock: WASocket;
  private closedByUs = false;
  private closed = false;
  private lastActivity = Date.now();

  constructor(config: SocketConfig, saveCreds: () => Promise<void>, onSaveError: (err: unknown) => void) {
    this.sock = makeWASocket(config);
    this.sock.ev.on('creds.update', () => void saveCreds().catch(onSaveError));
    this.sock.ev.on('connection.update', (u) => this.onUpdate(u));
    this.sock.ws.on('frame', () => {
      this.lastActivity = Date.now();
    });
  }

  private onUpdate(u: Partial<ConnectionState>): void {
    if (u.qr) this.emit('qr', { qr: u.qr });
    if (u.connection === 'open') this.emit('open', this.identity());
    if (u.connection === 'close' && !this.closed) {
      this.closed = true;
      this.emit('close', classifyClose(u.lastDisconnect?.error, this.closedByUs));
    }
  }

  private identity(): LinkedIdentity {
    const user = this.sock.user;
    return {
      phone: phoneOf(user?.id),
      jid: user?.id ?? '',
      lid: user?.lid ?? null,
      pushName: user?.name ?? user?.notify ?? null,
    };
  }

  private emit<K extends keyof EngineEventMap>(event: K, data: EngineEventMap[K]): void {
    this.emitter.emit(event, data);
  }

  on<K extends keyof EngineEventMap>(event: K, listener: EngineListener<K>): void {
    this.emitter.on(event, listener as (data: unknown) => void);
  }

  requestPairingCode(phone: string): Promise<string> {
    return this.sock.requestPairingCode(phone);
  }

  async logout(): Promise<void> {
    this.closedByUs = true;
    await this.sock.logout().catch(() => this.sock.end(undefined));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closedByUs = true;
    const ended = new Promise<void>((resolve) => this.emitter.once('close', () => resolve()));
    this.sock.end(new Boom('closed by the gateway', { statusCode: DisconnectReason.connectionClosed }));
    await Promise.race([ended, new Promise((r) => setTimeout(r, 2_000))]);
  }

  lastActivityAt(): number {
    return this.lastActivity;
  }
}

export type { CloseInfo };
