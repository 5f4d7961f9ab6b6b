import type { Instance } from '../domain/instance.ts';
import type { MessageContent, MessageType } from '../domain/message.ts';
import { SerialByKey } from '../domain/serial-by-key.ts';
import type { AccountSync, ChatUpdate, ContactUpdate } from '../engine/account-ops.ts';
import type { EngineConnection, InboundEvent } from '../engine/engine.ts';
import type { GatewayEvent, MessageData } from '../events/event-map.ts';
import type { Logger } from '../observability/logger.ts';
import type {
  ChatLastMessageRecord,
  ChatPatch,
  ChatRecord,
  ContactPatch,
} from '../store/chat-repositories.ts';
import type { Store } from '../store/repositories.ts';
import type { ChatChanges, ChatOwner } from './chat-events.ts';
import { WrittenState } from './written-state.ts';

const PHONE_SERVER = '@s.whatsapp.net';
const isGroup = (jid: string) => jid.endsWith('@g.us');
const isStatusBroadcast = (jid: string) => jid === 'status@broadcast';

const textOf = (content: MessageContent): string | null => content.text ?? content.caption ?? null;

function lastOf(
  waMessageId: string,
  fromMe: boolean,
  type: MessageType | string,
  content: MessageContent,
  at: Date,
) {
  return { waMessageId, fromMe, type, text: textOf(content), timestamp: at } satisfies ChatLastMessageRecord;
}

/** A history chat's fields as a patch (unread counts from history are absolute). */
function chatPatchOf(update: ChatUpdate, source: AccountSync['source']): ChatPatch {
  const patch: ChatPatch = {};
  if (update.name !== undefined) patch.name = update.name;
  if (update.unreadCount !== undefined) {
    // live: Baileys' counts are deltas or -1 ("marked unread"); only read (0) and unread are meant
    if (source === 'history') patch.unreadCount = Math.max(0, update.unreadCount);
    else if (update.unreadCount < 0) patch.markedUnread = true;
    else if (update.unreadCount === 0) patch.unreadCount = 0;
  }
  if (update.archived !== undefined) patch.archived = update.archived;
  if (update.pinned !== undefined) patch.pinned = update.pinned;
  if (update.mutedUntil !== undefined) patch.mutedUntil = update.mutedUntil;
  if (update.lastMessage)
    patch.lastMessage = { ...update.lastMessage, timestamp: new Date(update.lastMessage.timestamp) };
  return patch;
}

/** Contacts are kept by their phone-number jid when the phone is known, else by their LID. */
function contactChangeOf(update: ContactUpdate): { jid: string; patch: ContactPatch } {
  const phone = update.phone ?? (update.jid.endsWith(PHONE_SERVER) ? update.jid.split('@')[0] : undefined);
  const jid = phone ? `${phone}${PHONE_SERVER}` : update.jid;
  const patch: ContactPatch = {};
  if (phone) patch.phone = phone;
  if (update.lid !== undefined) patch.lid = update.lid;
  if (update.name !== undefined) patch.name = update.name;
  if (update.pushName !== undefined) patch.pushName = update.pushName;
  return { jid, patch };
}

/**
 * Keeps each instance's chats and contacts: the history the phone sends at link, the chat changes
 * WhatsApp reports, and every message in or out (last message, unread count, the sender's name).
 * Work for one instance runs in arrival order.
 */
export class ChatTracker {
  private readonly queues = new SerialByKey();
  /** Per instance, what its open connection has written (afresh with each connection). */
  private readonly written = new Map<string, WrittenState>();

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    /** Told of every chat written or deleted (`chat.update` events); the history at link excepted. */
    private readonly changes?: ChatChanges,
  ) {}

  readonly hooks = {
    onOpen: (instance: Instance, conn: EngineConnection) => {
      this.written.set(instance.id, new WrittenState());
      conn.on('account', (sync) =>
        this.enqueue(instance.id, 'chat sync', async () => {
          const { deleted, changedChats } = await this.applySync(instance.id, sync);
          if (sync.source === 'history') return;
          for (const jid of changedChats) this.changes?.changed(instance, jid);
          for (const jid of sync.deletedChats) this.changes?.deleted(instance, jid, deleted.get(jid));
        }),
      );
      conn.on('inbound', (e) =>
        this.enqueue(instance.id, 'chat of a message', async () => {
          if (await this.inbound(instance.id, e)) this.changes?.changed(instance, e.chatJid);
        }),
      );
    },
    onClose: (instance: Instance) => {
      this.written.delete(instance.id);
    },
  };

  /**
   * Our sends, as the outbox announces them (`message.status` sent): the chat's last message and
   * read. Give it the owner process's event bus.
   */
  readonly onEvent = (event: GatewayEvent): void => {
    if (event.event !== 'message.status') return;
    const data = event.data as MessageData;
    if (data.status !== 'sent' || data.direction !== 'outbound' || data.type === 'reaction') return;
    const instanceId = event.instance.id;
    const owner: ChatOwner = { ...event.instance, tenantId: event.tenantId };
    this.enqueue(instanceId, 'chat of a send', async () => {
      await this.sent(instanceId, data);
      this.changes?.changed(owner, data.chat);
    });
  };

  /** Resolves when what was queued for the instance so far is written (tests, shutdown). */
  idle(instanceId: string): Promise<void> {
    return this.queues.idle(instanceId);
  }

  private enqueue(instanceId: string, what: string, work: () => Promise<void>): void {
    void this.queues.run(instanceId, work, (err) =>
      this.logger.error({ err, instanceId }, `recording the ${what} failed`),
    );
  }

  /**
   * Writes the chats and contacts of a sync, but for the changes that would change nothing;
   * resolves with the deleted chats as they were and the chats written.
   */
  async applySync(
    instanceId: string,
    sync: AccountSync,
  ): Promise<{ deleted: Map<string, ChatRecord>; changedChats: string[] }> {
    const state = this.stateOf(instanceId);
    const chats = state.chatChanges(
      sync.chats
        .filter((c) => !isStatusBroadcast(c.jid))
        .map((c) => ({ jid: c.jid, patch: chatPatchOf(c, sync.source) })),
    );
    await this.store.chats.upsertMany(instanceId, chats);
    state.wroteChats(chats.map((c) => c.jid));
    const contacts = state.contactChanges(
      sync.contacts.filter((c) => !isGroup(c.jid) && !isStatusBroadcast(c.jid)).map(contactChangeOf),
    );
    await this.store.contacts.upsertMany(instanceId, contacts);
    state.wroteContacts(contacts);
    const deleted = new Map<string, ChatRecord>();
    for (const jid of sync.deletedChats) {
      const before = await this.store.chats.get(instanceId, jid);
      if (before) deleted.set(jid, before);
      await this.store.chats.delete(instanceId, jid);
      state.deletedChat(jid);
    }
    if (sync.source === 'history')
      this.logger.info(
        { instanceId, chats: chats.length, contacts: sync.contacts.length },
        'history chats recorded',
      );
    return { deleted, changedChats: chats.map((c) => c.jid) };
  }

  /** What the instance's connection wrote; a write after it closed starts a memory of its own. */
  private stateOf(instanceId: string): WrittenState {
    return this.written.get(instanceId) ?? new WrittenState();
  }

  /** Records the chat of a message; false when the message is none of a chat's. */
  private async inbound(instanceId: string, e: InboundEvent): Promise<boolean> {
    if (e.kind !== 'message' || e.type === 'reaction' || isStatusBroadcast(e.chatJid)) return false;
    const patch: ChatPatch = {
      lastMessage: lastOf(e.waMessageId, e.fromMe, e.type, e.content, e.timestamp),
      // a message of ours (from the phone) means the chat was read there
      ...(e.fromMe ? { unreadCount: 0 } : { unreadIncrement: 1 }),
    };
    const state = this.stateOf(instanceId);
    await this.store.chats.upsertMany(instanceId, [{ jid: e.chatJid, patch }]);
    state.wroteChats([e.chatJid]);
    const { sender } = e;
    if (!e.fromMe && sender.phone && sender.pushName) {
      const contacts = state.contactChanges([
        {
          jid: `${sender.phone}${PHONE_SERVER}`,
          patch: {
            phone: sender.phone,
            pushName: sender.pushName,
            ...(sender.lid ? { lid: sender.lid } : {}),
          },
        },
      ]);
      await this.store.contacts.upsertMany(instanceId, contacts);
      state.wroteContacts(contacts);
    }
    return true;
  }

  /** Records one of our sends, as its event carries it, as its chat's last message. */
  private async sent(instanceId: string, message: MessageData): Promise<void> {
    const at = new Date(message.sentAt ?? message.createdAt);
    await this.store.chats.upsertMany(instanceId, [
      {
        jid: message.chat,
        patch: {
          unreadCount: 0,
          lastMessage: lastOf(message.waMessageId, true, message.type, message.content, at),
        },
      },
    ]);
  }
}
