import type { EventPublisher } from '../events/event-publisher.ts';
import type { Logger } from '../observability/logger.ts';
import type { ChatRecord } from '../store/chat-repositories.ts';
import type { Store } from '../store/repositories.ts';
import { chatStateOf } from './chat-state.ts';

/** At most one `chat.update` per chat in this window; the last one carries the latest state. */
export const CHAT_EVENT_INTERVAL_MS = 1000;

export type ChatOwner = { id: string; name: string; tenantId: string | null };

/** Where the code that changes a stored chat says so. */
export interface ChatChanges {
  /** The chat's stored state may have changed: a `chat.update` follows (coalesced). */
  changed(owner: ChatOwner, jid: string): void;
  /** The chat was deleted; `last` is its state before (no event without one). */
  deleted(owner: ChatOwner, jid: string, last: ChatRecord | undefined): void;
}

interface Slot {
  owner: ChatOwner;
  /** A change came while the last event was being published or within its window. */
  pending: boolean;
  timer: NodeJS.Timeout | undefined;
  /** The state last published, without its `updatedAt`, so an echo of the same state is no event. */
  lastState: string | undefined;
}

/**
 * `chat.update` events from stored chat changes, throttled per chat: the first change is published
 * at once, later ones within CHAT_EVENT_INTERVAL_MS wait for the end of the window and go out as
 * one event with the state then (a burst of inbound messages is two events, not one per message).
 * A state equal to the last one published is not published again. Deletions go out at once.
 */
export class ChatEvents implements ChatChanges {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly store: Store,
    private readonly events: EventPublisher,
    private readonly logger: Logger,
    private readonly intervalMs = CHAT_EVENT_INTERVAL_MS,
  ) {}

  changed(owner: ChatOwner, jid: string): void {
    const key = `${owner.id}\n${jid}`;
    const slot = this.slots.get(key);
    if (slot) {
      slot.pending = true;
      slot.owner = owner;
      return;
    }
    const fresh: Slot = { owner, pending: false, timer: undefined, lastState: undefined };
    this.slots.set(key, fresh);
    void this.publishThenWait(key, jid, fresh);
  }

  deleted(owner: ChatOwner, jid: string, last: ChatRecord | undefined): void {
    const key = `${owner.id}\n${jid}`;
    clearTimeout(this.slots.get(key)?.timer);
    this.slots.delete(key);
    if (!last) return;
    this.events
      .publish('chat.update', owner, { ...chatStateOf(last), deleted: true })
      .catch((err: unknown) =>
        this.logger.error({ err, instanceId: owner.id }, 'publishing a chat.update failed'),
      );
  }

  /** Drops the waiting events (shutdown). */
  stop(): void {
    for (const slot of this.slots.values()) clearTimeout(slot.timer);
    this.slots.clear();
  }

  private async publishThenWait(key: string, jid: string, slot: Slot): Promise<void> {
    try {
      await this.publishState(jid, slot);
    } catch (err) {
      this.logger.error({ err, instanceId: slot.owner.id }, 'publishing a chat.update failed');
    }
    if (this.slots.get(key) !== slot) return;
    slot.timer = setTimeout(() => this.windowEnded(key, jid, slot), this.intervalMs);
    slot.timer.unref();
  }

  private windowEnded(key: string, jid: string, slot: Slot): void {
    if (this.slots.get(key) !== slot) return;
    if (!slot.pending) {
      this.slots.delete(key);
      return;
    }
    slot.pending = false;
    void this.publishThenWait(key, jid, slot);
  }

  private async publishState(jid: string, slot: Slot): Promise<void> {
    const chat = await this.store.chats.get(slot.owner.id, jid);
    if (!chat) return;
    const state = chatStateOf(chat);
    const signature = JSON.stringify({ ...state, updatedAt: undefined });
    if (signature === slot.lastState) return;
    slot.lastState = signature;
    await this.events.publish('chat.update', slot.owner, { ...state, deleted: false });
  }
}
