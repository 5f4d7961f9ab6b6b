import { newRowId, newWaMessageId } from '../domain/ids.ts';
import { isLinked } from '../domain/instance.ts';
import type { Message } from '../domain/message.ts';
import type { Principal } from '../domain/tenant.ts';
import { Errors } from '../errors.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import type { Store } from '../store/repositories.ts';
import { checkedMimetype } from './media-check.ts';
import { isMediaType } from './message-input.ts';
import type { Outbox } from './outbox.ts';
import { prepareStatus, type StatusInput } from './status-input.ts';

/**
 * Status updates: one outbox row to `status@broadcast` per update, its audience in its content.
 * From there it is a send like any other: the sender loop paces it, sends it with the id chosen
 * here, and records its statuses and events on the row.
 */
export class StatusService {
  constructor(
    private readonly store: Store,
    private readonly instances: InstanceService,
    private readonly outbox: Pick<Outbox, 'wake'>,
  ) {}

  /** Writes the row (`queued`) before answering; coded 400s for a bad update, 404 for a foreign instance. */
  async post(
    principal: Principal,
    idOrName: string,
    input: StatusInput,
    options: { idempotencyKey?: string } = {},
  ): Promise<{ message: Message; created: boolean }> {
    const instance = await this.instances.find(principal, idOrName);
    const prepared = prepareStatus(input);
    if (!isLinked(instance)) throw Errors.notLinked(instance.name, instance.status);
    const media = prepared.media;
    if (media && isMediaType(prepared.type)) {
      const mimetype = await checkedMimetype(prepared.type, media, prepared.content.mimetype);
      if (mimetype) prepared.content.mimetype = mimetype;
    }
    const id = newRowId();
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
        idempotencyKey: options.idempotencyKey ?? null,
        expiresAt: input.ttl ? new Date(Date.now() + input.ttl * 1000) : null,
      });
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
}
