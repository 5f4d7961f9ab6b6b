import { newRowId, newWaMessageId } from '../domain/ids.ts';
import type { Instance, InstanceSettings } from '../domain/instance.ts';
import type { EngineConnection, Notice } from '../engine/engine.ts';
import { Errors } from '../errors.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import type { Logger } from '../observability/logger.ts';
import type { Outbox } from '../outbox/outbox.ts';
import type { Store } from '../store/repositories.ts';

/** `settings.calls` of an instance: decline incoming calls, and optionally answer with a text. */
export interface CallSettings {
  reject: boolean;
  message?: string;
}

const MAX_MESSAGE = 4096;

/** What the gateway did about a call offer: `null` for later call events (terminate, accept…). */
export type CallOutcome = 'rejected' | 'reject_failed' | 'not_rejected';

export type CallNotice = Extract<Notice, { kind: 'call' }>;
export interface CallReceivedData extends CallNotice {
  outcome: CallOutcome | null;
  /** The outbox row of the text sent to the caller, when there was one. */
  replyMessageId: string | null;
}

/** Refuses `settings.calls` that are not `{ reject: boolean, message?: string }` (a coded 400). */
export function checkCallSettings(settings: InstanceSettings): void {
  const calls = settings.calls;
  if (calls === undefined) return;
  const bad = (why: string) => Errors.validation(`settings.calls ${why}`, { field: 'settings.calls' });
  if (calls === null || typeof calls !== 'object' || Array.isArray(calls)) throw bad('must be an object');
  const { reject, message, ...rest } = calls as Record<string, unknown>;
  if (Object.keys(rest).length) throw bad(`has unknown fields: ${Object.keys(rest).join(', ')}`);
  if (typeof reject !== 'boolean') throw bad('.reject must be true or false');
  if (
    message !== undefined &&
    (typeof message !== 'string' || !message.trim() || message.length > MAX_MESSAGE)
  )
    throw bad(`.message must be a text of 1 to ${MAX_MESSAGE} characters`);
}

function callSettingsOf(settings: InstanceSettings): CallSettings | undefined {
  const calls = settings.calls as Partial<CallSettings> | undefined;
  if (!calls || typeof calls !== 'object' || calls.reject !== true) return undefined;
  return { reject: true, ...(typeof calls.message === 'string' ? { message: calls.message } : {}) };
}

/** The caller's chat: its jid without a device part. */
const chatOf = (jid: string): string => {
  const [user = '', server = 's.whatsapp.net'] = jid.split('@');
  return `${user.split(':')[0]}@${server}`;
};

/**
 * Incoming calls on the owner of an instance: declined when `settings.calls.reject` says so, the
 * caller answered with `settings.calls.message` through the outbox (a durable row), and
 * `call.received` published with what was done.
 */
export class CallHandler {
  constructor(
    private readonly store: Store,
    private readonly events: Pick<EventPublisher, 'publish'>,
    private readonly outbox: Pick<Outbox, 'wake'>,
    private readonly logger: Logger,
    private readonly instanceOf: (instanceId: string) => Instance | undefined,
  ) {}

  readonly hooks = {
    onOpen: (opened: Instance, conn: Pick<EngineConnection, 'on' | 'rejectCall'>) => {
      conn.on('notice', (n) => {
        if (n.kind !== 'call') return;
        this.handle(opened.id, conn, n).catch((err) =>
          this.logger.error({ err, instanceId: opened.id, callId: n.callId }, 'handling a call failed'),
        );
      });
    },
  };

  private async handle(instanceId: string, conn: Pick<EngineConnection, 'rejectCall'>, call: CallNotice) {
    // the row, not the session's copy: settings saved on an API node reach the owner at once
    const instance = (await this.store.instances.get(instanceId)) ?? this.instanceOf(instanceId);
    if (!instance) return;
    const current = { ...instance, name: this.instanceOf(instanceId)?.name ?? instance.name };
    if (call.status !== 'offer') {
      await this.events.publish('call.received', current, { ...call, outcome: null, replyMessageId: null });
      return;
    }
    const settings = callSettingsOf(instance.settings);
    let outcome: CallOutcome = 'not_rejected';
    let replyMessageId: string | null = null;
    if (settings) {
      outcome = await conn.rejectCall(call.callId, call.from).then(
        () => 'rejected' as const,
        (err: unknown) => {
          this.logger.warn({ err, instanceId, callId: call.callId }, 'rejecting a call failed');
          return 'reject_failed' as const;
        },
      );
      if (settings.message) replyMessageId = await this.answer(instance, call, settings.message);
    }
    await this.events.publish('call.received', current, { ...call, outcome, replyMessageId });
  }

  /** Queues the text to the caller; one per call, however often the offer is seen. */
  private async answer(instance: Instance, call: CallNotice, text: string): Promise<string> {
    const { message } = await this.store.messages.insert({
      id: newRowId(),
      instanceId: instance.id,
      tenantId: instance.tenantId,
      waMessageId: newWaMessageId(),
      direction: 'outbound',
      chatJid: chatOf(call.from),
      type: 'text',
      content: { text },
      status: 'queued',
      idempotencyKey: `call:${call.callId}`,
      expiresAt: null,
    });
    this.outbox.wake(instance.id);
    return message.id;
  }
}
