import { newRowId, newWaMessageId } from '../domain/ids.ts';
import { type Instance, isLinked } from '../domain/instance.ts';
import type { Message, MessageStatus } from '../domain/message.ts';
import type { Principal } from '../domain/tenant.ts';
import type { PresenceState } from '../engine/engine.ts';
import { Errors, ZapgateError } from '../errors.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import type { SessionControl } from '../sessions/session-control.ts';
import type { MessageListFilter, Store } from '../store/repositories.ts';
import { forwardedMessage } from './forwarding.ts';
import { checkedMimetype } from './media-check.ts';
import {
  chatJidOf,
  isMediaType,
  type PreparedMessage,
  prepareMessage,
  type SendInput,
} from './message-input.ts';
import type { Outbox } from './outbox.ts';
import type { SendFeatureOptions } from './send-features.ts';

const FINAL: ReadonlySet<MessageStatus> = new Set([
  'sent',
  'delivered',
  'read',
  'played',
  'failed',
  'cancelled',
]);

/** Sending, reading and managing messages of an instance, for the API. */
export class MessageService {
  constructor(
    private readonly store: Store,
    private readonly instances: InstanceService,
    private readonly sessions: SessionControl,
    private readonly outbox: Pick<Outbox, 'wake'>,
    private readonly bus: EventBus,
    private readonly features: SendFeatureOptions = { linkPreviews: false },
  ) {}

  /** Writes the row (`queued`) before answering; the sender loop does the rest. */
  async enqueue(
    principal: Principal,
    idOrName: string,
    input: SendInput,
    options: { idempotencyKey?: string; upload?: Buffer } = {},
  ): Promise<{ message: Message; created: boolean }> {
    const instance = await this.instances.findForSend(principal, idOrName);
    const forward = input.type === 'forward';
    const prepared = forward ? undefined : prepareMessage(input, options.upload, this.features);
    const chatJid = prepared?.chatJid ?? chatJidOf(input.to);
    // queued for an instance without credentials, a message would wait for a link that may never come
    if (!isLinked(instance)) throw Errors.notLinked(instance.name, instance.status);
    if (!prepared) {
      const copy = await forwardedMessage(this.store, instance.id, input.messageId ?? '', chatJid);
      return this.insert(instance, copy, input, options.idempotencyKey);
    }
    const target = prepared.type === 'reaction' ? prepared.content.messageId : prepared.content.replyTo;
    if (target && !(await this.store.messages.find(instance.id, target))) {
      throw new ZapgateError(
        'ZG_ERR_UNKNOWN_MESSAGE',
        400,
        `no message ${target} in this instance's history to ${prepared.type === 'reaction' ? 'react' : 'reply'} to`,
      );
    }
    if (prepared.media && isMediaType(prepared.type)) {
      const mimetype = await checkedMimetype(prepared.type, prepared.media, prepared.content.mimetype);
      if (mimetype) prepared.content.mimetype = mimetype;
    }
    return this.insert(instance, prepared, input, options.idempotencyKey);
  }

  /** Writes the row (`queued`), with its media bytes when it has them, and wakes the sender. */
  private async insert(
    instance: Instance,
    prepared: PreparedMessage,
    input: SendInput,
    idempotencyKey: string | undefined,
  ): Promise<{ message: Message; created: boolean }> {
    const id = newRowId();
    const media = prepared.media;
    const insert = (messages: Store['messages']) =>
      messages.insert({
        id,
        instanceId: instance.id,
        tenantId: instance.tenantId,
        waMessageId: newWaMessageId(),
        direction: 'outbound',
        chatJid: prepared.chatJid,
        type: prepared.type,
        content: prepared.content,
        status: 'queued',
        idempotencyKey: idempotencyKey ?? null,
        expiresAt: input.ttl ? new Date(Date.now() + input.ttl * 1000) : null,
      });
    // a text is one statement; a message with media is written together with its bytes
    const result = media
      ? await this.store.transaction(async (tx) => {
          const inserted = await insert(tx.messages);
          if (inserted.created) await tx.messageMedia.put(id, media);
          return inserted;
        })
      : await insert(this.store.messages);
    this.outbox.wake(instance.id);
    return result;
  }

  /** Resolves when the row reaches a final status (sent or later, failed), or after `timeoutMs`. */
  async waitForOutcome(message: Message, timeoutMs: number): Promise<Message> {
    if (FINAL.has(message.status)) return message;
    return new Promise((resolve) => {
      const finish = async () => {
        clearTimeout(timer);
        unsubscribe();
        resolve((await this.store.messages.get(message.id)) ?? message);
      };
      const unsubscribe = this.bus.subscribe((e) => {
        if (
          e.event === 'message.status' &&
          (e.data as { id?: string }).id === message.id &&
          FINAL.has((e.data as { status: MessageStatus }).status)
        ) {
          void finish();
        }
      });
      const timer = setTimeout(() => void finish(), timeoutMs);
      void this.store.messages.get(message.id).then((m) => {
        if (m && FINAL.has(m.status)) void finish();
      });
    });
  }

  async get(principal: Principal, idOrName: string, messageId: string): Promise<Message> {
    const instance = await this.instances.find(principal, idOrName);
    const message = await this.store.messages.find(instance.id, messageId);
    if (!message) throw Errors.notFound(`message ${messageId}`);
    return message;
  }

  /** The media of a message (received, or sent from base64/upload), with its type and name. */
  async media(principal: Principal, idOrName: string, messageId: string) {
    const message = await this.get(principal, idOrName, messageId);
    const bytes =
      (await this.store.messageMedia.get(message.id)) ??
      (message.campaignId ? await this.store.messageMedia.get(message.campaignId) : undefined);
    if (!bytes)
      throw Errors.notFound(
        `media of message ${messageId}${message.content.mediaError ? ` (${message.content.mediaError})` : ''}`,
      );
    return {
      bytes,
      mimetype: message.content.mimetype ?? 'application/octet-stream',
      fileName: message.content.fileName,
    };
  }

  async list(principal: Principal, idOrName: string, filter: MessageListFilter) {
    const instance = await this.instances.find(principal, idOrName);
    return this.store.messages.list(instance.id, filter);
  }

  async clearHistory(principal: Principal, idOrName: string): Promise<number> {
    const instance = await this.instances.find(principal, idOrName);
    return this.store.messages.deleteByInstance(instance.id);
  }

  async edit(principal: Principal, idOrName: string, messageId: string, text: string): Promise<Message> {
    const { instance, message } = await this.ownSent(principal, idOrName, messageId, 'edit');
    if (message.type !== 'text') throw Errors.validation('only text messages can be edited');
    await this.connection(instance).edit(message.chatJid, message.waMessageId, text);
    await this.store.messages.updateContent(message.id, { ...message.content, text });
    return (await this.store.messages.get(message.id)) ?? message;
  }

  async revoke(principal: Principal, idOrName: string, messageId: string): Promise<Message> {
    const instance = await this.instances.find(principal, idOrName);
    const message = await this.store.messages.find(instance.id, messageId);
    if (!message) throw Errors.notFound(`message ${messageId}`);
    if (message.status === 'queued' || message.status === 'paused') {
      await this.store.messages.markFailed(
        message.id,
        'ZG_ERR_CANCELLED',
        'revoked before it was sent',
        new Date(),
      );
      return (await this.store.messages.get(message.id)) ?? message;
    }
    await this.connection(instance).revoke(
      message.chatJid,
      message.waMessageId,
      message.direction === 'outbound',
    );
    await this.store.messages.updateContent(message.id, { ...message.content, revoked: true });
    return (await this.store.messages.get(message.id)) ?? message;
  }

  async markRead(
    principal: Principal,
    idOrName: string,
    chat: string,
    messageIds: string[] | undefined,
  ): Promise<number> {
    const instance = await this.instances.find(principal, idOrName);
    const chatJid = chatJidOf(chat);
    const ids = messageIds?.length
      ? messageIds
      : (await this.store.messages.list(instance.id, { chatJid, direction: 'inbound', limit: 50 })).items.map(
          (m) => m.waMessageId,
        );
    if (ids.length) await this.connection(instance).markRead(chatJid, ids);
    return ids.length;
  }

  async presence(principal: Principal, idOrName: string, state: PresenceState, chat?: string): Promise<void> {
    const instance = await this.instances.find(principal, idOrName);
    // typing, recording and paused are shown in one chat: WhatsApp has nowhere to show them without one
    if (!chat && state !== 'available' && state !== 'unavailable')
      throw Errors.validation(`presence "${state}" is shown in a chat: give "chat"`);
    await this.connection(instance).presence(state, chat ? chatJidOf(chat) : undefined);
  }

  async checkNumbers(principal: Principal, idOrName: string, numbers: string[]) {
    const instance = await this.instances.find(principal, idOrName);
    return this.connection(instance).checkNumbers(numbers);
  }

  private async ownSent(principal: Principal, idOrName: string, messageId: string, what: string) {
    const instance = await this.instances.find(principal, idOrName);
    const message = await this.store.messages.find(instance.id, messageId);
    if (!message) throw Errors.notFound(`message ${messageId}`);
    if (message.direction !== 'outbound')
      throw Errors.validation(`only messages this instance sent can be ${what}ed`);
    if (!['sent', 'delivered', 'read', 'played'].includes(message.status)) {
      throw Errors.conflict(`message ${messageId} is ${message.status}; only sent messages can be ${what}ed`);
    }
    return { instance, message };
  }

  private connection(instance: Instance) {
    const conn = this.sessions.connectionOf(instance);
    // a 409 like every other route that needs the live socket: the caller starts or links it first
    if (!conn)
      throw new ZapgateError(
        'ZG_ERR_NOT_CONNECTED',
        409,
        `instance ${instance.name} is not connected (status ${instance.status}); this needs the live connection`,
      );
    return conn;
  }
}
