import type { FleetConfig } from '../config.ts';
import type { Instance } from '../domain/instance.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { GatewayEvent } from '../events/event-map.ts';
import type { Logger } from '../observability/logger.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import type { Notifications } from '../store/notifications.ts';
import type { LeaseFence, Store } from '../store/repositories.ts';

/** How often the keeper checks that its leases are still certainly valid by its own clock. */
const GUARD_MS = 200;

export interface LeaseEvents {
  takeover(): void;
  lost(): void;
}

/** The channel on which a worker that gave leases back tells the others to look now. */
export const LEASES_CHANNEL = 'zapgate_leases';
/** Sockets closed at once when a worker hands its instances over on SIGTERM. */
const HAND_OVER_AT_ONCE = 10;

export interface LeaseKeeperOptions {
  events?: LeaseEvents;
  notifications?: Notifications;
  /** Called first on stop: the node leaves the live set, so others take its whole share. */
  leave?: () => Promise<void>;
  /** Where the keeper hears that an instance it holds ended `failed`, to give its lease back. */
  bus?: Pick<EventBus, 'subscribe'>;
}

/**
 * A worker's share of the instances: claims free or expired leases up to a fair share of the
 * live workers, renews them, and hands one back at a time to a worker that holds fewer. A lease
 * it could not renew in time is given up before anything else: its socket is closed first.
 * An instance that ends `failed` is not owned (no worker claims one): its lease is given back,
 * except between the attempts of a boot retry on this worker, which gives it back at the end.
 */
export class LeaseKeeper {
  /** Instance id → the epoch (fencing counter) this worker holds it at. */
  private readonly held = new Map<string, number>();
  /** The start of each instance taken over, for commands that must not race it. */
  private readonly starting = new Map<string, Promise<void>>();
  /** Failed instances this worker runs boot retries of: their failures keep the lease until the end. */
  private readonly retrying = new Set<string>();
  private unsubscribe: () => void = () => {};
  /** By this process's clock, every held lease is valid until then. */
  private validUntil = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private guardTimer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private stopped = false;
  private readonly log: Logger;

  constructor(
    private readonly store: Store,
    private readonly sessions: SessionManager,
    private readonly fleet: FleetConfig,
    logger: Logger,
    private readonly options: LeaseKeeperOptions = {},
  ) {
    this.log = logger.child({ component: 'leases', nodeId: fleet.nodeId });
    this.events = options.events ?? { takeover: () => {}, lost: () => {} };
  }

  private readonly events: LeaseEvents;

  async start(): Promise<void> {
    this.unsubscribe = this.options.bus?.subscribe((event) => this.onEvent(event)) ?? (() => {});
    await this.options.notifications?.listen(LEASES_CHANNEL, () => void this.tick());
    await this.tick();
    this.tickTimer = setInterval(() => void this.tick(), this.fleet.leaseRenewMs);
    this.guardTimer = setInterval(() => void this.guard(), GUARD_MS);
  }

  /** Whether this worker may act as the instance's owner now: send, write its rows. */
  mayAct(instanceId: string): boolean {
    return this.held.has(instanceId) && Date.now() < this.validUntil;
  }

  /** The lease an owner-only write is conditioned on, while this worker may act on it. */
  fence(instanceId: string): LeaseFence | undefined {
    const epoch = this.held.get(instanceId);
    return epoch !== undefined && this.mayAct(instanceId) ? { nodeId: this.fleet.nodeId, epoch } : undefined;
  }

  /** Resolves once the instance, if it was just taken over, has been started here. */
  async started(instanceId: string): Promise<void> {
    await this.starting.get(instanceId);
  }

  heldIds(): string[] {
    return [...this.held.keys()];
  }

  /** The instance is no longer wanted here (stopped, logged out, removed): give its lease back. */
  async release(instanceId: string): Promise<void> {
    const epoch = this.held.get(instanceId);
    if (epoch === undefined) return;
    this.held.delete(instanceId);
    await this.store.leases.release(this.fleet.nodeId, instanceId, epoch);
  }

  /** SIGTERM: close every socket as a shutdown does, then give the leases back for another to take. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe();
    clearInterval(this.tickTimer);
    clearInterval(this.guardTimer);
    await this.ticking;
    await this.options.leave?.().catch((err) => this.log.error({ err }, 'leaving the live nodes failed'));
    const queue = [...this.held];
    const handOver = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [instanceId, epoch] = next;
        await this.sessions
          .hand(instanceId)
          .catch((err) => this.log.error({ err, instanceId }, 'hand-over failed'));
        this.held.delete(instanceId);
        await this.store.leases.release(this.fleet.nodeId, instanceId, epoch).catch(() => undefined);
        await this.options.notifications?.notify(LEASES_CHANNEL);
      }
    };
    await Promise.all(Array.from({ length: HAND_OVER_AT_ONCE }, handOver));
  }

  /** Past the moment the leases were certainly valid: close everything before anything else. */
  private async guard(): Promise<void> {
    if (this.held.size === 0 || Date.now() < this.validUntil) return;
    this.log.warn({ instances: this.held.size }, 'leases not renewed in time: closing their sockets');
    const lost = [...this.held.keys()];
    this.held.clear();
    await Promise.all(lost.map((id) => this.lose(id)));
  }

  private tick(): Promise<void> {
    if (this.ticking || this.stopped) return this.ticking ?? Promise.resolve();
    this.ticking = this.renewAndBalance()
      .catch((err) => this.log.error({ err }, 'lease round failed'))
      .finally(() => {
        this.ticking = undefined;
      });
    return this.ticking;
  }

  private async renewAndBalance(): Promise<void> {
    const started = Date.now();
    const now = new Date(started);
    const until = new Date(started + this.fleet.leaseTtlMs);
    // the leases asked for: one taken meanwhile (a boot retry's claim) was not, and is not lost
    const asked = [...this.held];
    const renewed = await this.store.leases.renew(
      this.fleet.nodeId,
      asked.map(([instanceId]) => instanceId),
      now,
      until,
    );
    // A stalled process wakes up past validUntil: the guard runs first, and the renewal finds
    // nothing of its own (another worker took the leases and bumped their epochs).
    for (const [instanceId, epoch] of asked) {
      if (renewed.get(instanceId) === epoch || this.held.get(instanceId) !== epoch) continue;
      this.held.delete(instanceId);
      await this.lose(instanceId);
    }
    if (this.held.size) this.validUntil = started + this.fleet.leaseTtlMs - this.fleet.leaseRenewMs;
    await this.balance(now, until);
  }

  private async lose(instanceId: string): Promise<void> {
    this.events.lost();
    this.log.warn({ instanceId }, 'lease lost: socket closed, another worker owns the instance now');
    await this.sessions
      .abandon(instanceId)
      .catch((err) => this.log.error({ err, instanceId }, 'closing failed'));
  }

  /** Takes free leases up to a fair share; hands one over when another worker holds two fewer. */
  private async balance(now: Date, until: Date): Promise<void> {
    const liveSince = new Date(now.getTime() - this.fleet.leaseTtlMs);
    const workers = (await this.store.nodes.live(liveSince)).filter((n) => n.role !== 'api');
    const peers = Math.max(1, workers.length);
    const wanted = await this.store.leases.countWanted();
    const share = Math.min(this.fleet.workerMaxInstances, Math.ceil(wanted / peers));
    if (this.held.size < share) {
      for (const instanceId of await this.store.leases.claimable(now, share - this.held.size)) {
        const epoch = await this.store.leases.claim(this.fleet.nodeId, instanceId, now, until);
        if (epoch === undefined) continue;
        this.hold(instanceId, epoch, now);
        const started = this.startOwned(instanceId).finally(() => this.starting.delete(instanceId));
        this.starting.set(instanceId, started);
      }
      return;
    }
    const counts = await this.store.leases.countByOwner(now);
    const least = Math.min(...workers.map((w) => counts.get(w.id) ?? 0));
    const give = this.held.size - least >= 2 ? this.heldIds().at(-1) : undefined;
    if (give) {
      this.log.info(
        { instanceId: give, held: this.held.size, least },
        'handing an instance to a less loaded worker',
      );
      await this.sessions.hand(give);
      await this.release(give);
      await this.options.notifications?.notify(LEASES_CHANNEL);
    }
  }

  private hold(instanceId: string, epoch: number, takenAt: Date): void {
    if (this.held.size === 0)
      this.validUntil = takenAt.getTime() + this.fleet.leaseTtlMs - this.fleet.leaseRenewMs;
    this.held.set(instanceId, epoch);
    this.events.takeover();
  }

  /**
   * A boot retry's attempt (BootRetry's `claim` on a worker): takes the lease of the failed
   * instance if it is free or expired, unless this worker holds it from an earlier attempt; false
   * when another worker holds it (and so runs its retries).
   */
  async claimFailed(instance: Pick<Instance, 'id'>): Promise<boolean> {
    if (!this.held.has(instance.id)) {
      const now = new Date();
      const until = new Date(now.getTime() + this.fleet.leaseTtlMs);
      const epoch = this.stopped
        ? undefined
        : await this.store.leases.claimFailed(this.fleet.nodeId, instance.id, now, until);
      if (epoch === undefined) return false;
      this.hold(instance.id, epoch, now);
      this.log.info({ instanceId: instance.id }, 'lease taken: retrying a failed instance');
    }
    this.retrying.add(instance.id);
    return true;
  }

  /** The instance's boot retries here are over: the lease of one left failed (or gone) goes back. */
  async retryOver(instanceId: string): Promise<void> {
    this.retrying.delete(instanceId);
    if (!this.held.has(instanceId)) return;
    const instance = await this.store.instances.get(instanceId);
    if (!instance || instance.status === 'failed') await this.giveBack(instanceId);
  }

  private onEvent(event: GatewayEvent): void {
    if (event.event !== 'instance.status') return;
    const { id } = event.instance;
    const { status } = (event as GatewayEvent<'instance.status'>).data;
    if (status !== 'failed' || this.retrying.has(id)) return;
    void this.giveBack(id).catch((err) =>
      this.log.error({ err, instanceId: id }, 'giving a failed instance back failed'),
    );
  }

  /** Forgets the failed instance's session (it writes nothing more) and gives its lease back. */
  private async giveBack(instanceId: string): Promise<void> {
    if (!this.held.has(instanceId)) return;
    await this.sessions.abandon(instanceId);
    await this.release(instanceId);
    this.log.info({ instanceId }, 'failed instance: lease given back');
  }

  private async startOwned(instanceId: string): Promise<void> {
    try {
      const instance = await this.store.instances.get(instanceId);
      if (!instance) return void (await this.release(instanceId));
      this.log.info({ instanceId, status: instance.status }, 'lease taken: starting the instance');
      await this.sessions.start(instance);
    } catch (err) {
      this.log.error({ err, instanceId }, 'starting an owned instance failed');
    }
  }
}
