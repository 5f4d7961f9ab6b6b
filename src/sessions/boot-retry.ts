import type { Instance, InstanceStatus } from '../domain/instance.ts';
import type { EventBus } from '../events/event-bus.ts';
import type { GatewayEvent } from '../events/event-map.ts';
import type { Logger } from '../observability/logger.ts';
import type { InstanceRepository } from '../store/repositories.ts';

export interface BootRetryOptions {
  /** How many times a failed instance is started again (0: never). */
  attempts: number;
  /** The wait before the first attempt; it doubles before each next one. */
  baseMs: number;
}

export interface BootRetryDeps {
  instances: Pick<InstanceRepository, 'list' | 'get'>;
  /**
   * In a fleet: takes the instance (its lease) for an attempt; false when another worker holds it,
   * which then runs its retries. Without it, every attempt is this process's.
   */
  claim?(instance: Instance): Promise<boolean>;
  /** Opens the instance's session (the session manager's start). */
  start(instance: Instance): Promise<void>;
  /** The instance's retries here are over, however they ended (a fleet gives back a failed one's lease). */
  settle?(instanceId: string): Promise<void>;
  bus: EventBus;
  logger: Logger;
}

/** How long one attempt may take to end somewhere (a QR code, connected, failed again). */
const ATTEMPT_OUTCOME_MS = 60_000;

/**
 * At boot, instances that ended `failed` (a refused signature, a connection that could not open)
 * and that the operator still wants running are started again, a bounded number of times, each
 * wait twice the one before. An attempt that ends anywhere but `failed` ends the retries; one the
 * operator stopped, deleted or started in the meantime is left to the operator. In a fleet every
 * booting worker runs one, and each attempt claims the instance's lease first: the worker that
 * wins it runs the retries, the others leave them to it.
 */
export class BootRetry {
  private readonly stopping = new AbortController();
  private running: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: BootRetryDeps,
    private readonly options: BootRetryOptions,
  ) {}

  start(): void {
    if (this.options.attempts <= 0) return;
    this.running = this.deps.instances
      .list({ desiredState: 'running', statuses: ['failed'] })
      .then((failed) => Promise.all(failed.map((instance) => this.retryThenSettle(instance))))
      .catch((err) => this.deps.logger.error({ err }, 'retrying failed instances at boot stopped'));
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async retryThenSettle(failed: Instance): Promise<void> {
    try {
      await this.retry(failed);
    } finally {
      await this.deps
        .settle?.(failed.id)
        .catch((err: unknown) =>
          this.deps.logger.error(
            { err, instanceId: failed.id },
            'failed instance: settling its retries failed',
          ),
        );
    }
  }

  private async retry(failed: Instance): Promise<void> {
    const { attempts, baseMs } = this.options;
    const log = this.deps.logger.child({ instanceId: failed.id, instance: failed.name });
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const delayMs = baseMs * 2 ** (attempt - 1);
      log.warn(
        { attempt, attempts, delayMs, lastError: failed.lastError },
        'failed instance: retrying at boot',
      );
      if (!(await this.pause(delayMs))) return;
      const current = await this.deps.instances.get(failed.id);
      if (current?.status !== 'failed' || current.desiredState !== 'running') {
        // started, stopped or deleted meanwhile (in a fleet, maybe another worker's attempt)
        log.info(
          { attempt, status: current?.status ?? 'deleted', desiredState: current?.desiredState },
          'failed instance: no longer failed; retries left off',
        );
        return;
      }
      if (this.deps.claim && !(await this.deps.claim(current))) {
        log.info({ attempt }, 'failed instance: another worker holds it and runs its retries');
        return;
      }
      const outcome = await this.attempt(current);
      if (this.stopping.signal.aborted) return;
      if (outcome !== 'failed') {
        log.info({ attempt, status: outcome }, 'failed instance: the retry got past the failure');
        return;
      }
    }
    const last = await this.deps.instances.get(failed.id);
    log.error(
      { attempts, lastError: last?.lastError ?? null },
      'failed instance: every retry at boot failed; left failed',
    );
  }

  /** Starts the instance and resolves with the first status it reaches after connecting. */
  private attempt(instance: Instance): Promise<InstanceStatus | 'unknown'> {
    return new Promise((resolve) => {
      const done = (status: InstanceStatus | 'unknown') => {
        clearTimeout(timer);
        unsubscribe();
        resolve(status);
      };
      const unsubscribe = this.deps.bus.subscribe((event) => {
        if (event.event !== 'instance.status' || event.instance.id !== instance.id) return;
        const { status } = (event as GatewayEvent<'instance.status'>).data;
        if (status !== 'connecting') done(status);
      });
      const timer = setTimeout(() => done('unknown'), ATTEMPT_OUTCOME_MS);
      this.stopping.signal.addEventListener('abort', () => done('unknown'), { once: true });
      this.deps.start(instance).catch((err: unknown) => {
        this.deps.logger.warn({ err, instanceId: instance.id }, 'failed instance: the retry could not start');
        done('unknown');
      });
    });
  }

  /** Waits `ms`; false when the gateway is stopping. */
  private pause(ms: number): Promise<boolean> {
    const { signal } = this.stopping;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(true), ms);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve(false);
        },
        { once: true },
      );
    });
  }
}
