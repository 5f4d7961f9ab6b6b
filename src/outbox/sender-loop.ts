import type { Instance } from '../domain/instance.ts';
import { MEDIA_TYPES, type MediaType, type Message } from '../domain/message.ts';
import { STATUS_BROADCAST_JID } from '../domain/status.ts';
import { type EngineConnection, type OutgoingMessage, SendError } from '../engine/engine.ts';
import type { Logger } from '../observability/logger.ts';
import { reconnectDelay } from '../sessions/reconnect-policy.ts';
import type { LeaseFence, Store } from '../store/repositories.ts';
import { fetchMedia } from './media-source.ts';
import { withSendExtras } from './outgoing-extras.ts';
import { dailyAllowance, delayBetweenSends, type Pacing, resolvePacing, typingTime } from './pacing.ts';

export interface SenderDeps {
  store: Store;
  logger: Logger;
  pacing: Pacing;
  allowPrivateUrls: boolean;
  retry: { baseMs: number; maxMs: number; maxAttempts: number };
  /**
   * Applies a change to outbox rows and writes a message.status event for each row it returns,
   * in one transaction: a status and its event (and its webhook deliveries) commit together.
   */
  record: (change: (messages: Store['messages']) => Promise<Message[]>) => Promise<Message[]>;
  /** A row was sent: how long it took from creation (metrics). */
  onSent?: (latencyMs: number) => void;
  /** In fleet mode: the instance's lease while this worker certainly holds it, else undefined. */
  lease?: (instanceId: string) => LeaseFence | undefined;
}

const IDLE_MS = 30_000;
const CAP_RECHECK_MS = 60_000;
const DAY_MS = 86_400_000;
/** Expired rows are never sent (nextDue skips them); marking them failed can wait this long. */
const EXPIRE_EVERY_MS = 1_000;
/** The instance's settings are re-read this often, for changes made by another process. */
const SETTINGS_TTL_MS = 5_000;
/** The daily count is read from the database this often, and counted here in between. */
const SENT_RECOUNT_MS = 60_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A change's row as the list `record` takes: empty when the change left it alone. */
export const present = (m: Message | undefined): Message[] => (m ? [m] : []);

/**
 * One instance's sender: takes due rows in creation order, paces them, sends them with the WhatsApp
 * id chosen at insert, and records the outcome on the same row. It only sends while connected.
 */
export class SenderLoop {
  private conn: EngineConnection | undefined;
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  /** The earliest retry this loop scheduled, so it wakes for it rather than idling past it. */
  private retryAt: number | undefined;
  private lastSendAt = 0;
  private gapMs: number | undefined;
  private capLogged = false;
  private lastExpiryAt = 0;
  private instance: { value: Instance; readAt: number } | undefined;
  private sentToday: { count: number; readAt: number } | undefined;
  private readonly log: Logger;
  readonly done: Promise<void>;

  constructor(
    private readonly instanceId: string,
    private readonly deps: SenderDeps,
  ) {
    this.log = deps.logger.child({ instanceId, component: 'outbox' });
    this.done = this.run();
  }

  /** The instance is connected: crash leftovers go back to the queue and sending resumes. */
  async attach(conn: EngineConnection): Promise<void> {
    const requeued = await this.deps.store.messages.requeueSending(this.instanceId);
    if (requeued)
      this.log.warn({ requeued }, 're-sending messages that were in flight when the last process stopped');
    this.conn = conn;
    this.wake();
  }

  detach(): void {
    this.conn = undefined;
  }

  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** The instance row changed (its pacing, say): the next send reads it afresh. */
  instanceChanged(): void {
    this.instance = undefined;
    this.wake();
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    return this.done;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      // Each step starts on a turn of the event loop of its own. Woken by an enqueue, the step would
      // otherwise run inside that request's continuations; on SQLite a step waits for no I/O until
      // Baileys writes. HTTP requests and receipts that are ready go first: accepting stays fast
      // while sending takes what CPU is left.
      await new Promise((r) => setImmediate(r));
      this.woken = false;
      let waitMs = 0;
      try {
        waitMs = await this.step();
      } catch (err) {
        this.log.error({ err }, 'outbox step failed');
        waitMs = 1_000;
      }
      // a wake during the step (a message queued while it looked) means look again, not sleep
      if (waitMs > 0 && !this.stopped && !this.woken) await this.idle(waitMs);
    }
  }

  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  /** Undefined: no fence (one process owns every instance); null: the lease is not held now. */
  private fence(): LeaseFence | null | undefined {
    if (!this.deps.lease) return undefined;
    return this.deps.lease(this.instanceId) ?? null;
  }

  /** Does one piece of work; returns how long to wait before the next (0: go on at once). */
  private async step(): Promise<number> {
    const now = new Date();
    // a ttl runs out whether or not the instance is connected
    const expired = await this.expire(now);
    const conn = this.conn;
    if (!conn) return IDLE_MS;
    const { store } = this.deps;
    const instance = await this.currentInstance(now.getTime());
    if (!instance) return IDLE_MS;
    const pacing = resolvePacing(this.deps.pacing, instance.settings);
    const capWait = await this.overDailyCap(instance, pacing, now);
    if (capWait) return capWait;
    this.gapMs ??= delayBetweenSends(pacing);
    const wait = this.lastSendAt + this.gapMs - Date.now();
    if (wait > 0) return wait;
    const fence = this.fence();
    if (fence === null) return IDLE_MS;
    const next = await store.messages.claimNext(this.instanceId, new Date(), fence);
    if (!next) return this.nothingDue(now, expired);
    await this.deliver(conn, next, pacing);
    return 0;
  }

  /**
   * How long to wait with nothing to send: until a retry this loop scheduled is due, or until expiry
   * is next allowed if this step skipped it, or until a row scheduled for later (a campaign's
   * `startAt`) is due; otherwise idle (an enqueue wakes the loop).
   */
  private async nothingDue(at: Date, expired: boolean): Promise<number> {
    const now = at.getTime();
    if (this.retryAt !== undefined && this.retryAt <= now) this.retryAt = undefined;
    const untilRetry = this.retryAt === undefined ? IDLE_MS : this.retryAt - now;
    const untilExpiry = expired ? IDLE_MS : this.lastExpiryAt + EXPIRE_EVERY_MS - now;
    const scheduled = await this.deps.store.messages.nextScheduledAt(this.instanceId, at);
    const untilScheduled = scheduled ? scheduled.getTime() - now : IDLE_MS;
    return Math.max(1, Math.min(IDLE_MS, untilRetry, untilExpiry, untilScheduled));
  }

  /**
   * Rows past their ttl become failed, at most once a second: running it before every send walked
   * every queued row each time. True when it ran.
   */
  private async expire(now: Date): Promise<boolean> {
    if (now.getTime() - this.lastExpiryAt < EXPIRE_EVERY_MS) return false;
    this.lastExpiryAt = now.getTime();
    await this.deps.record(async (messages) => {
      const expired: Message[] = [];
      for (const id of await messages.expireDue(this.instanceId, now))
        expired.push(...present(await messages.get(id)));
      return expired;
    });
    return true;
  }

  /** The instance row, kept between sends: changes here arrive by instanceChanged(). */
  private async currentInstance(now: number): Promise<Instance | undefined> {
    if (this.instance && now - this.instance.readAt < SETTINGS_TTL_MS) return this.instance.value;
    const value = await this.deps.store.instances.get(this.instanceId);
    this.instance = value && { value, readAt: now };
    return value;
  }

  private async overDailyCap(instance: Instance, pacing: Pacing, now: Date): Promise<number> {
    const allowance = dailyAllowance(pacing, now.getTime() - instance.createdAt.getTime());
    if (!Number.isFinite(allowance)) return 0;
    if (!this.sentToday || now.getTime() - this.sentToday.readAt >= SENT_RECOUNT_MS) {
      const since = new Date(now.getTime() - DAY_MS);
      const count = await this.deps.store.messages.countSentSince(this.instanceId, since);
      this.sentToday = { count, readAt: now.getTime() };
    }
    const sent = this.sentToday.count;
    if (sent < allowance) {
      this.capLogged = false;
      return 0;
    }
    // at the cap with nothing waiting: idle until a message is queued, then say so
    if (!(await this.deps.store.messages.nextDue(this.instanceId, now))) return IDLE_MS;
    if (!this.capLogged) this.log.warn({ sent, allowance }, 'daily sending limit reached; messages wait');
    this.capLogged = true;
    this.sentToday = undefined;
    return CAP_RECHECK_MS;
  }

  private async deliver(conn: EngineConnection, message: Message, pacing: Pacing): Promise<void> {
    try {
      const outgoing = await withSendExtras(
        await this.outgoing(message),
        conn,
        this.deps.allowPrivateUrls,
        this.log,
      );
      await this.type(conn, message, pacing);
      // a lease lost meanwhile: the row stays `sending` and the new owner re-sends it, same id
      if (this.fence() === null) return;
      await conn.send(outgoing);
      const sentAt = new Date();
      await this.deps.record(async (messages) => present(await messages.markSent(message.id, sentAt)));
      this.deps.onSent?.(sentAt.getTime() - message.createdAt.getTime());
      if (this.sentToday) this.sentToday.count++;
      this.lastSendAt = Date.now();
      this.gapMs = undefined;
    } catch (err) {
      await this.recordFailure(message, err);
    }
  }

  /** Schedules a retry or fails the row for good, with the event either way. */
  private async recordFailure(message: Message, err: unknown): Promise<void> {
    const failure =
      err instanceof SendError
        ? err
        : new SendError('ZG_ERR_SEND_FAILED', (err as Error).message ?? String(err), false);
    const { retry } = this.deps;
    const attempts = message.attempts + 1;
    // a link lost mid-send (the instance stopped, say) is transient too: the row waits for its return
    if (failure.transient && attempts < retry.maxAttempts) {
      const at = new Date(Date.now() + reconnectDelay(attempts, retry.baseMs, retry.maxMs));
      this.log.warn(
        { messageId: message.id, attempts, code: failure.code, err: failure.message },
        'send failed, will retry',
      );
      await this.deps.record(async (messages) => {
        await messages.scheduleRetry(message.id, at, failure.code, failure.message);
        return present(await messages.get(message.id));
      });
      this.retryAt = Math.min(this.retryAt ?? Number.POSITIVE_INFINITY, at.getTime());
      return;
    }
    this.log.error(
      { messageId: message.id, attempts, code: failure.code, err: failure.message },
      'send failed',
    );
    await this.deps.record(async (messages) =>
      present(await messages.markFailed(message.id, failure.code, failure.message, new Date())),
    );
  }

  /** "typing…" for a time proportional to the text, as a person would. */
  private async type(conn: EngineConnection, message: Message, pacing: Pacing): Promise<void> {
    const ms = typingTime(pacing, message.content.text ?? message.content.caption);
    // a status update is posted, not typed into a chat
    if (!ms || message.chatJid === STATUS_BROADCAST_JID) return;
    await conn.presence('composing', message.chatJid).catch(() => undefined);
    await sleep(ms);
    await conn.presence('paused', message.chatJid).catch(() => undefined);
  }

  private async outgoing(message: Message): Promise<OutgoingMessage> {
    const { store } = this.deps;
    const base: OutgoingMessage = {
      chatJid: message.chatJid,
      waMessageId: message.waMessageId,
      type: message.type,
      content: message.content,
    };
    const target = message.type === 'reaction' ? message.content.messageId : message.content.replyTo;
    if (target) {
      const quoted = await store.messages.find(this.instanceId, target);
      base.quoted = quoted
        ? {
            waMessageId: quoted.waMessageId,
            fromMe: quoted.direction === 'outbound',
            text: quoted.content.text ?? quoted.content.caption,
          }
        : { waMessageId: target, fromMe: false };
    }
    if (!(MEDIA_TYPES as readonly string[]).includes(message.type)) return base;
    // a campaign's media is stored once, under the campaign's id, for all of its rows
    const stored =
      (await store.messageMedia.get(message.id)) ??
      (message.campaignId ? await store.messageMedia.get(message.campaignId) : undefined);
    if (stored) return { ...base, media: stored };
    if (!message.content.url)
      throw new SendError('ZG_ERR_MEDIA_MISSING', 'the media of this message is gone', false);
    return {
      ...base,
      media: await fetchMedia(message.content.url, message.type as MediaType, this.deps.allowPrivateUrls),
    };
  }
}
