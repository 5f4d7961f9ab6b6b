import type { Instance } from '../domain/instance.ts';
import type { Message } from '../domain/message.ts';
import { messageJson } from '../domain/message-json.ts';
import { refusalMessage } from '../domain/wa-refusal.ts';
import type { EngineConnection, StatusEvent } from '../engine/engine.ts';
import type { GatewayEvent } from '../events/event-map.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import type { Store } from '../store/repositories.ts';
import { present, type SenderDeps, SenderLoop } from './sender-loop.ts';

/**
 * The sender loops of this process, one per connected instance, and the receipts that move sent
 * rows forward. Session hooks attach and detach connections; enqueueing wakes a loop.
 */
export class Outbox {
  private readonly loops = new Map<string, SenderLoop>();

  constructor(
    private readonly deps: Omit<SenderDeps, 'record'>,
    private readonly events: Pick<EventPublisher, 'envelope' | 'record'>,
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
  private async record(change: (messages: Store['messages']) => Promise<Message[]>): Promise<Message[]> {
    let changed: Message[] = [];
    const announce = await this.deps.store.transaction(async (tx) => {
      changed = await change(tx.messages);
      const after: Array<() => void> = [];
      for (const m of changed) {
        const instance = this.instanceOf(m.instanceId);
        if (!instance) continue;
        const envelope = this.events.envelope('message.status', instance, messageJson(m));
        after.push(await this.events.record(tx, envelope as GatewayEvent));
      }
      return after;
    });
    for (const emit of announce) emit();
    return changed;
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
