import { EventEmitter } from 'node:events';
import { Boom } from '@hapi/boom';
import makeWASocket, { type ConnectionState, DisconnectReason, type WAMessage, type WASocket } from 'baileys';
import { refusalMessage } from '../../domain/wa-refusal.ts';
import type { AccountOps } from '../account-ops.ts';
import {
  type CloseInfo,
  type EngineConnection,
  type EngineEventMap,
  type EngineListener,
  type InboundMedia,
  type LinkedIdentity,
  type Notice,
  type OutgoingMessage,
  type PresenceState,
  SendError,
} from '../engine.ts';
import type { GroupOps } from '../group-ops.ts';
import { classifyClose } from './close-reason.ts';
import { watchAccountSync } from './contact-sync.ts';
import { watchGroupNotices } from './group-notices.ts';
import { BaileysGroupOps } from './group-ops.ts';
import { mapInbound } from './inbound-mapper.ts';
import { urlInfoOf } from './link-card.ts';
import { callNotices, presenceNotices } from './notices.ts';
import { quotedMessage, toBaileysContent } from './outgoing-content.ts';
import { BaileysAccountOps } from './profile-ops.ts';
import { statusFromUpdates, statusFromUpserts } from './status-events.ts';
import { statusSendOptions } from './status-options.ts';

const SEND_TIMEOUT_MS = 60_000;
/** How long a send waits for the server's ack, which may refuse it; past this it counts as sent. */
const ACK_WAIT_MS = 10_000;
const MEDIA: ReadonlySet<string> = new Set(['image', 'video', 'audio', 'document', 'sticker']);

/** Downloads (and decrypts) an inbound message's media, within a size cap. */
export type MediaDownloader = (message: WAMessage, declaredSize: number | undefined) => Promise<InboundMedia>;

/** Sorts what Baileys threw into permanent and transient failures. */
function sendError(err: unknown): SendError {
  if (err instanceof SendError) return err;
  const boom = err as { message?: string; output?: { statusCode?: number } };
  const message = boom.message ?? String(err);
  const status = boom.output?.statusCode ?? 0;
  if (/closed|timed? ?out|lost|not open|ECONN|socket/i.test(message) || status === 408 || status === 428) {
    return new SendError('ZG_ERR_CONNECTION', message, true);
  }
  if (/media|upload|fetch/i.test(message)) return new SendError('ZG_ERR_MEDIA_UPLOAD', message, true);
  return new SendError('ZG_ERR_SEND_FAILED', message, false);
}

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new SendError('ZG_ERR_TIMEOUT', `no answer from WhatsApp in ${ms} ms`, true)),
      ms,
    );
    work.then(resolve, reject).finally(() => clearTimeout(timer));
  });

type SocketConfig = Parameters<typeof makeWASocket>[0];

const phoneOf = (jid: string | undefined): string => jid?.split('@')[0]?.split(':')[0] ?? '';

/** Sent ids whose echo is awaited at most; the oldest is forgotten beyond. */
const MAX_ECHOES_AWAITED = 1_000;

/** One Baileys socket seen through the engine interface. */
export class BaileysConnection implements EngineConnection {
  private readonly emitter = new EventEmitter();
  private readonly sock: WASocket;
  private closedByUs = false;
  private closed = false;
  private lastActivity = Date.now();
  /**
   * Ids this connection sent, until Baileys echoes them back as `fromMe` upserts: the echo is not
   * inbound (the outbox row already tells its story) and its media is not downloaded again.
   */
  private readonly sentIds = new Set<string>();
  readonly account: AccountOps;
  readonly groups: GroupOps;
  private readonly warn: (fields: Record<string, unknown>, message: string) => void;
  /** Sends awaiting the server's ack, told its error code (or undefined: accepted). */
  private readonly ackWaiters = new Map<string, (error: string | undefined) => void>();
  /** The credentials saves asked for so far, chained; and whether a logout ended them. */
  private saving: Promise<void> = Promise.resolve();
  private loggedOut = false;

  constructor(
    config: SocketConfig,
    saveCreds: () => Promise<void>,
    onSaveError: (err: unknown) => void,
    private readonly media?: MediaDownloader,
  ) {
    this.sock = makeWASocket(config);
    this.warn = (fields, msg) => config.logger?.warn(fields, msg);
    // one save at a time, in order; none after a logout, which forgets the credentials
    this.sock.ev.on('creds.update', () => {
      if (this.loggedOut) return;
      this.saving = this.saving.then(saveCreds).catch(onSaveError);
    });
    this.sock.ev.on('connection.update', (u) => this.onUpdate(u));
    this.sock.ws.on('frame', () => {
      this.lastActivity = Date.now();
    });
    // A refusal comes as an error on the server's ack; Baileys' own status update for it can be
    // merged away by its event buffer, so the ack itself is the source.
    this.sock.ws.on('CB:ack,class:message', (node: { attrs: Record<string, string> }) => {
      const { id, error, from } = node.attrs;
      const waiter = id ? this.ackWaiters.get(id) : undefined;
      if (waiter) return waiter(error);
      if (id && error) this.emit('status', { waMessageId: id, chatJid: from ?? '', status: 'failed', error });
    });
    this.account = new BaileysAccountOps(this.sock);
    watchAccountSync(this.sock.ev, (sync) => this.emit('account', sync));
    this.sock.ev.on('presence.update', (u) => this.notices(presenceNotices(u)));
    this.groups = new BaileysGroupOps(this.sock);
    watchGroupNotices(this.sock, (n) => this.notices([n]));
    this.sock.ev.on('call', (calls) => this.notices(callNotices(calls)));
    this.sock.ev.on('messages.update', (updates) => {
      for (const e of statusFromUpdates(updates)) this.emit('status', e);
    });
    this.sock.ev.on('messages.upsert', ({ messages, type }) => {
      for (const e of statusFromUpserts(messages)) this.emit('status', e);
      if (type !== 'notify' && type !== 'append') return;
      for (const m of messages) {
        if (m.key.fromMe && m.key.id && this.sentIds.delete(m.key.id)) continue;
        const inbound = mapInbound(m);
        if (!inbound) continue;
        if (inbound.kind === 'message' && MEDIA.has(inbound.type) && this.media) {
          void this.media(m, inbound.content.size).then((media) =>
            this.emit('inbound', { ...inbound, media }),
          );
        } else {
          this.emit('inbound', inbound);
        }
      }
    });
  }

  private onUpdate(u: Partial<ConnectionState>): void {
    if (u.qr) this.emit('qr', { qr: u.qr });
    if (u.connection === 'open') this.emit('open', this.identity());
    if (u.connection === 'close' && !this.closed) {
      this.closed = true;
      for (const settle of this.ackWaiters.values()) settle(undefined);
      this.emit('close', classifyClose(u.lastDisconnect?.error, this.closedByUs));
    }
  }

  private notices(list: Notice[]): void {
    for (const n of list) this.emit('notice', n);
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
    // a save asked for before now lands before the caller forgets the credentials, not after
    this.loggedOut = true;
    await this.saving;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closedByUs = true;
    const ended = new Promise<void>((resolve) => this.emitter.once('close', () => resolve()));
    this.sock.end(new Boom('closed by the gateway', { statusCode: DisconnectReason.connectionClosed }));
    await Promise.race([ended, new Promise((r) => setTimeout(r, 2_000))]);
    await this.saving;
  }

  /** The credentials saves asked for so far have landed (or failed). */
  credsSaved(): Promise<void> {
    return this.saving;
  }

  /** The Baileys socket, for the media downloader's re-upload requests. */
  get socket(): WASocket {
    return this.sock;
  }

  lastActivityAt(): number {
    return this.lastActivity;
  }

  async send(message: OutgoingMessage): Promise<void> {
    const card = message.linkPreview && (await urlInfoOf(message.linkPreview, this.warn));
    const content = toBaileysContent(message, card || undefined);
    const quoted = quotedMessage(message);
    const status = statusSendOptions(message);
    this.sentIds.add(message.waMessageId);
    // an echo that never came (a send that failed first) must not keep its id for ever
    if (this.sentIds.size > MAX_ECHOES_AWAITED) this.sentIds.delete(this.sentIds.values().next().value ?? '');
    const acked = this.serverAck(message.waMessageId);
    try {
      await withTimeout(
        this.sock.sendMessage(message.chatJid, content, {
          messageId: message.waMessageId,
          ...(quoted ? { quoted } : {}),
          ...status,
        }),
        SEND_TIMEOUT_MS,
      );
    } catch (err) {
      acked.cancel();
      throw sendError(err);
    }
    const refusal = await acked.result;
    if (refusal) throw new SendError(`ZG_ERR_WA_${refusal}`, refusalMessage(refusal), false);
  }

  /** The server's verdict on a sent id: its error code, or undefined once accepted (or not heard). */
  private serverAck(waMessageId: string): { result: Promise<string | undefined>; cancel(): void } {
    let settle: (error: string | undefined) => void = () => {};
    const result = new Promise<string | undefined>((resolve) => {
      const timer = setTimeout(() => settle(undefined), ACK_WAIT_MS);
      settle = (error) => {
        clearTimeout(timer);
        this.ackWaiters.delete(waMessageId);
        resolve(error);
      };
    });
    this.ackWaiters.set(waMessageId, settle);
    return { result, cancel: () => settle(undefined) };
  }

  async edit(chatJid: string, waMessageId: string, text: string): Promise<void> {
    await this.sock
      .sendMessage(chatJid, { text, edit: { remoteJid: chatJid, fromMe: true, id: waMessageId } })
      .catch((e) => {
        throw sendError(e);
      });
  }

  async revoke(chatJid: string, waMessageId: string, fromMe: boolean): Promise<void> {
    await this.sock
      .sendMessage(chatJid, { delete: { remoteJid: chatJid, fromMe, id: waMessageId } })
      .catch((e) => {
        throw sendError(e);
      });
  }

  markRead(chatJid: string, waMessageIds: string[]): Promise<void> {
    return this.sock.readMessages(waMessageIds.map((id) => ({ remoteJid: chatJid, id, fromMe: false })));
  }

  presence(state: PresenceState, chatJid?: string): Promise<void> {
    return this.sock.sendPresenceUpdate(state, chatJid);
  }

  rejectCall(callId: string, from: string): Promise<void> {
    return this.sock.rejectCall(callId, from);
  }

  async checkNumbers(numbers: string[]) {
    const found = (await this.sock.onWhatsApp(...numbers)) ?? [];
    return numbers.map((number) => {
      const hit = found.find((r) => r.jid.split('@')[0] === number);
      return { number, exists: Boolean(hit?.exists), jid: hit?.exists ? hit.jid : null };
    });
  }
}

export type { CloseInfo };
