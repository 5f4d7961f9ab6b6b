import type { Instance } from '../domain/instance.ts';
import type { Message } from '../domain/message.ts';
import { messageJson } from '../domain/message-json.ts';
import { refusalMessage } from '../domain/wa-refusal.ts';
import type { EngineConnection, StatusEvent } from '../engine/engine.ts';
import type { GatewayEvent } from '../events/event-map.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import { TurnBatch } from '../store/turn-batch.ts';
import { present, type SenderDeps, SenderLoop } from './sender-loop.ts';

/** A status change and the rows it changed, as a sender loop records it. */
type Change = Parameters<SenderDeps['record']>[0];

/**
 * The sender loops of this process, one per connected instance, and the receipts that move sent
 * rows forward. Session hooks attach and detach connections; enqueueing wakes a loop.
 */
export class Outbox {
  private readonly loops = new Map<string, SenderLoop>();
  /**
   * The status changes of every sender and receipt, written a transaction at a time, those asked
   * for meanwhile together in the next: one transaction per change made them queue for the events'
   * order lock (sending at 166 msg/s on PostgreSQL, the lock's waits 15 ms each, when it was held
   * from the insert to the commit), and a batch shares its begin, commit and event insert. A batch
   * that fails is tried again change by change.
   */
  private readonly changes = new TurnBatch<Change, Message[]>((batch) => this.recordAll(batch), {
    serial: true,
    oneByOne: true,
  });

  constructor(
    private readonly deps: Omit<SenderDeps, 'record'>,
    private readonly events: Pick<EventPublisher, 'envelope' | 'recordMany'>,
    /** The instance as its session knows it now, for the envelopes of its events. */
    private readonly instanceOf: (instanceId: string) => Instance | undefined,
  ) {}

  readonly hooks = {
    onOpen: (instance: Instance, conn: EngineConnection) => {
      conn.on('status', (e) => void this.onStatus(instance, e));
      void this.loop(instance.id)
        .attach(conn)
        .catch((err) => this.deps.logger.error({ err, instanceId: instance.id }, 'outbox could not attach'));
    },
    onClose: (instance: Instance) => this.loops.get(instance.id)?.detach(),
  };

  wake(instanceId: string): void {
    this.loops.get(instanceId)?.wake();
  }

  /** New settings (pacing, say): the instance's loop reads them before its next send. */
  instanceUpdated(instance: Instance): void {
    this.loops.get(instance.id)?.instanceChanged();
  }

  private loop(instanceId: string): SenderLoop {
    let loop = this.loops.get(instanceId);
    if (!loop) {
      loop = new SenderLoop(instanceId, { ...this.deps, record: (change) => this.record(change) });
      this.loops.set(instanceId, loop);
    }
    return loop;
  }

  /** See SenderDeps.record: the change and its message.status events commit together. */
  private record(change: Change): Promise<Message[]> {
    return this.changes.add(change);
  }

  private async recordAll(changes: Change[]): Promise<Message[][]> {
    const results: Message[][] = [];
    const announce = await this.deps.store.transaction(async (tx) => {
      const envelopes: GatewayEvent[] = [];
      for (const change of changes) {
        const changed = await change(tx.messages);
        results.push(changed);
        for (const m of changed) {
          const instance = this.instanceOf(m.instanceId);
          if (instance)
            envelopes.push(this.events.envelope('message.status', instance, messageJson(m)) as GatewayEvent);
        }
      }
      return envelopes.length > 0 ? this.events.recordMany(tx, envelopes) : () => {};
    });
    announce();
    return results;
  }

  /** A server ack or a receipt: the row moves forward (never back), and the change is published. */
  private async onStatus(instance: Instance, e: StatusEvent): Promise<void> {
    const { messages } = this.deps.store;
    try {
      if (e.status === 'failed') {
        const m = await messages.find(instance.id, e.waMessageId);
        if (m?.direction !== 'outbound') return; // inbound rows are not ours to fail
        const code = `ZG_ERR_WA_${e.error ?? 'REJECTED'}`;
        const refused = refusalMessage(e.error);
        await this.record(async (tx) =>
          (await tx.markRejected(m.id, code, refused, new Date())) ? present(await tx.get(m.id)) : [],
        );
        return;
      }
      const status = e.status;
      await this.record(async (tx) =>
        present(await tx.applyReceipt(instance.id, e.waMessageId, status, new Date())),
      );
    } catch (err) {
      this.deps.logger.error(
        { err, instanceId: instance.id, waMessageId: e.waMessageId },
        'recording a receipt failed',
      );
    }
  }

  async stop(): Promise<void> {
    await Promise.all([...this.loops.values()].map((l) => l.stop()));
  }
}
