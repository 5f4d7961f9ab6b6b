import { newRowId } from '../domain/ids.ts';
import type { Instance } from '../domain/instance.ts';
import { messageJson, RECEIVED_DEFAULTS } from '../domain/message-json.ts';
import { SerialByKey } from '../domain/serial-by-key.ts';
import type { EngineConnection, InboundEvent } from '../engine/engine.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import type { Logger } from '../observability/logger.ts';
import type { NewMessage, Store } from '../store/repositories.ts';
import { TurnBatch } from '../store/turn-batch.ts';

/**
 * What arrives on a connection goes into the history (deduplicated by WhatsApp id) and out as an
 * event: messages received, messages sent from the phone, reactions, edits and revokes.
 */
export class InboundHandler {
  /** Each instance's arrivals are recorded one at a time, so their events keep WhatsApp's order. */
  private readonly arrivals = new SerialByKey();
  /**
   * The messages of one turn of the event loop, across instances, are written together (one
   * transaction, a few statements for all of them): each instance has one arrival at a time in
   * flight, and twenty instances receiving at once were twenty transactions. A batch that fails is
   * written again one message at a time, so that only the bad one fails.
   */
  private readonly batch = new TurnBatch<Arrival>(
    async (arrivals) => {
      (await this.write(arrivals))();
      return undefined;
    },
    { oneByOne: true },
  );

  constructor(
    private readonly store: Store,
    private readonly events: EventPublisher,
    private readonly logger: Logger,
    /** The instance as its session knows it now: a rename shows in the next event. */
    private readonly instanceOf: (instanceId: string) => Instance | undefined,
  ) {}

  readonly hooks = {
    onOpen: (opened: Instance, conn: EngineConnection) => {
      const current = () => this.instanceOf(opened.id) ?? opened;
      conn.on('notice', (n) => {
        // calls are the call handler's: it publishes them with what it did about them
        if (n.kind === 'call') return;
        const name =
          n.kind === 'presence' ? 'presence.update' : n.kind === 'group' ? 'group.update' : 'call.received';
        void this.events.publish(name, current(), n as never);
      });
      conn.on('inbound', (e) => {
        const instance = current();
        void this.arrivals.run(
          instance.id,
          () => this.handle(instance, e),
          (err) =>
            this.logger.error(
              { err, instanceId: instance.id, waMessageId: e.waMessageId },
              'recording an inbound message failed',
            ),
        );
      });
    },
    onClose: (_instance: Instance) => {},
  };

  async handle(instance: Instance, e: InboundEvent): Promise<void> {
    if (e.kind === 'message') return this.message(instance, e);
    const target = await this.store.messages.find(instance.id, e.targetId);
    const content = target && {
      ...target.content,
      ...(e.kind === 'edited' ? { ...e.content, edited: true } : { revoked: true }),
    };
    if (target && content) await this.store.messages.updateContent(target.id, content);
    const changed = {
      id: target?.id ?? null,
      waMessageId: e.waMessageId,
      chat: e.chatJid,
      targetId: e.targetId,
      message: target && content ? messageJson({ ...target, content }) : null,
    };
    if (e.kind === 'edited')
      await this.events.publish('message.edited', instance, { ...changed, content: e.content });
    else await this.events.publish('message.revoked', instance, changed);
  }

  private message(instance: Instance, e: Extract<InboundEvent, { kind: 'message' }>): Promise<void> {
    return this.batch.add(arrivalOf(instance, e));
  }

  /**
   * The rows and their events (with webhook deliveries) commit together, or not at all; a fromMe
   * message that is one of our sends meets its outbox row (same id and direction) and is dropped.
   */
  private write(batch: Arrival[]): Promise<() => void> {
    return this.store.transaction(async (tx) => {
      const inserted = await tx.messages.insertInboundMany(batch.map((a) => a.row));
      const kept = batch.filter((a) => inserted.has(a.row.id));
      for (const a of kept) if (a.media) await tx.messageMedia.put(a.row.id, a.media);
      return this.events.recordMany(
        tx,
        kept.map((a) =>
          // the event carries the message as the history shows it
          this.events.envelope(a.name, a.instance, messageJson({ ...a.row, ...RECEIVED_DEFAULTS })),
        ),
      );
    });
  }
}

interface Arrival {
  instance: Instance;
  row: NewMessage & { createdAt: Date };
  name: 'message.reaction' | 'message.sent' | 'message.received';
  media: Buffer | undefined;
}

function arrivalOf(instance: Instance, e: Extract<InboundEvent, { kind: 'message' }>): Arrival {
  return {
    instance,
    row: {
      id: newRowId(),
      instanceId: instance.id,
      tenantId: instance.tenantId,
      waMessageId: e.waMessageId,
      direction: e.fromMe ? 'outbound' : 'inbound',
      chatJid: e.chatJid,
      type: e.type,
      content: {
        ...e.content,
        sender: e.sender,
        ...(e.media && 'error' in e.media ? { mediaError: e.media.error } : {}),
      },
      status: e.fromMe ? 'sent' : 'received',
      createdAt: e.timestamp,
    },
    name: e.type === 'reaction' ? 'message.reaction' : e.fromMe ? 'message.sent' : 'message.received',
    media: e.media && 'bytes' in e.media ? e.media.bytes : undefined,
  };
}
