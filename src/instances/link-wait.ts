import QRCode from 'qrcode';
import type { Instance, InstanceStatus } from '../domain/instance.ts';
import type { Principal } from '../domain/tenant.ts';
import { Errors } from '../errors.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { GatewayEvent } from '../events/event-map.ts';
import type { InstanceService } from './instance-service.ts';

/** `?wait=qr`: how long a create or a start waits by default, and at most. */
export const LINK_WAIT_DEFAULT_MS = 20_000;
export const LINK_WAIT_MAX_MS = 60_000;

/** What the wait saw first: a QR code to scan, or the number connected (stored credentials). */
export type LinkOutcome =
  | { outcome: 'qr'; qr: string; qrDataUrl: string }
  | { outcome: 'connected'; qr: null; qrDataUrl: null };

/** Statuses that end a wait without a QR code or a connection: nothing more will come of it. */
const DEAD_ENDS: ReadonlySet<InstanceStatus> = new Set(['failed', 'logged_out', 'stopped']);

type Verdict = { kind: 'qr'; qr: string } | { kind: 'connected' } | { kind: 'ended'; status: InstanceStatus };

function verdictOf(event: GatewayEvent, instanceId: string): Verdict | undefined {
  if (event.instance.id !== instanceId) return undefined;
  if (event.event === 'instance.qr')
    return { kind: 'qr', qr: (event as GatewayEvent<'instance.qr'>).data.qr };
  if (event.event !== 'instance.status') return undefined;
  const { status } = (event as GatewayEvent<'instance.status'>).data;
  if (status === 'connected') return { kind: 'connected' };
  return DEAD_ENDS.has(status) ? { kind: 'ended', status } : undefined;
}

/**
 * Creates or starts an instance and answers with what comes first: its first QR code or its
 * connection. It listens on the event bus, which in a fleet's API node the event tail feeds from
 * the workers, so it waits the same way wherever the session runs. Events are taken from before
 * the action starts, so a QR code that comes before the action returns is not missed. A dead end
 * counts only while the instance's row still says so: the tail can hand over an event from before
 * the action late (a logout's `logged_out` after the start that follows it), and the row has moved on.
 */
export class LinkWait {
  constructor(
    private readonly bus: EventBus,
    private readonly instances: Pick<InstanceService, 'find'>,
  ) {}

  async around(
    principal: Principal,
    act: () => Promise<Instance>,
    waitMs: number,
  ): Promise<{ instance: Instance; link: LinkOutcome }> {
    const seen: GatewayEvent[] = [];
    let wake = () => {};
    const unsubscribe = this.bus.subscribe((event) => {
      seen.push(event);
      wake();
    });
    try {
      const acted = await act();
      const deadline = Date.now() + waitMs;
      for (;;) {
        const verdict = await this.nextVerdict(
          acted,
          seen,
          (w) => {
            wake = w;
          },
          deadline,
        );
        const instance = await this.instances.find(principal, acted.id).catch(() => acted);
        if (verdict?.kind === 'ended' && instance.status !== verdict.status) continue;
        return { instance, link: await this.answer(instance, verdict, waitMs) };
      }
    } finally {
      unsubscribe();
    }
  }

  /** The first verdict among the events seen and those to come; nothing at the deadline. */
  private async nextVerdict(
    instance: Instance,
    seen: GatewayEvent[],
    onWake: (wake: () => void) => void,
    deadline: number,
  ): Promise<Verdict | undefined> {
    const pick = () => {
      while (seen.length > 0) {
        const verdict = verdictOf(seen.shift() as GatewayEvent, instance.id);
        if (verdict) return verdict;
      }
      return undefined;
    };
    const now = pick();
    if (now) return now;
    return new Promise<Verdict | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
      onWake(() => {
        const verdict = pick();
        if (!verdict) return;
        clearTimeout(timer);
        resolve(verdict);
      });
    });
  }

  private async answer(
    instance: Instance,
    verdict: Verdict | undefined,
    waitMs: number,
  ): Promise<LinkOutcome> {
    if (!verdict) throw Errors.linkTimeout(instance, waitMs);
    if (verdict.kind === 'ended') throw Errors.linkEnded({ ...instance, status: verdict.status });
    if (verdict.kind === 'connected') return { outcome: 'connected', qr: null, qrDataUrl: null };
    const qrDataUrl = await QRCode.toDataURL(verdict.qr, { margin: 2, width: 320 });
    return { outcome: 'qr', qr: verdict.qr, qrDataUrl };
  }
}
