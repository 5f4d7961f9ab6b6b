import type { Instance } from '../domain/instance.ts';
import type { EngineConnection } from '../engine/engine.ts';
import { InstanceSession, linkedElsewhere, type SessionDeps } from './instance-session.ts';
import type { SessionControl } from './session-control.ts';

/**
 * Statuses an instance is not brought back from at boot: it needs the operator (or a new link).
 * `failed` ones get a few retries with backoff of their own (boot-retry.ts).
 */
const NOT_RESTORED = new Set(['logged_out', 'failed', 'stopped', 'created']);

/** Owns every live session of this process: start, stop, restore at boot, shut down. */
export class SessionManager implements SessionControl {
  private readonly sessions = new Map<string, InstanceSession>();
  private restoring: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(private readonly deps: SessionDeps & { bootStaggerMs: number }) {}

  private session(instance: Instance): InstanceSession {
    let session = this.sessions.get(instance.id);
    if (!session) {
      session = new InstanceSession(instance, this.deps);
      this.sessions.set(instance.id, session);
    }
    return session;
  }

  /** The instance as its live session in this process knows it, renames included. */
  instanceOf(instanceId: string): Instance | undefined {
    return this.sessions.get(instanceId)?.current;
  }

  /** A rename or new settings: the live session (and whatever asks instanceOf) carries them. */
  instanceUpdated(instance: Instance): void {
    this.sessions.get(instance.id)?.refresh(instance);
  }

  /** The live connection of a connected instance in this process. */
  connectionOf(instance: Pick<Instance, 'id'>): EngineConnection | undefined {
    const session = this.sessions.get(instance.id);
    return session?.status === 'connected' ? session.connection : undefined;
  }

  /** Instances with a session in this process. */
  ids(): string[] {
    return [...this.sessions.keys()];
  }

  /**
   * The lease is gone: closes the socket and forgets the session without writing anything, for
   * the instance's row now belongs to its new owner.
   */
  async abandon(instanceId: string): Promise<void> {
    const session = this.sessions.get(instanceId);
    this.sessions.delete(instanceId);
    await session?.abandon();
  }

  /** Closes the socket as a shutdown does (status disconnected) and forgets the session. */
  async hand(instanceId: string): Promise<void> {
    const session = this.sessions.get(instanceId);
    if (!session) return;
    this.sessions.delete(instanceId);
    await session.stop('disconnected', 'handed over to another worker');
    await session.settled();
  }

  async start(instance: Instance): Promise<void> {
    this.session(instance).assertSameServer();
    await this.deps.instances.update(instance.id, { desiredState: 'running' });
    await this.session(instance).start();
  }

  async stop(instance: Instance): Promise<void> {
    this.session(instance).assertSameServer();
    await this.deps.instances.update(instance.id, { desiredState: 'stopped' });
    await this.session(instance).stop();
  }

  async logout(instance: Instance): Promise<void> {
    this.session(instance).assertSameServer();
    await this.deps.instances.update(instance.id, { desiredState: 'stopped' });
    await this.session(instance).logout();
  }

  async requestPairingCode(instance: Instance, phone: string) {
    this.session(instance).assertSameServer();
    return this.deps.instances
      .update(instance.id, { desiredState: 'running' })
      .then(() => this.session(instance).requestPairingCode(phone));
  }

  /** Unlinks (when linked) and drops the live session; the caller deletes the rows. */
  async remove(instance: Instance): Promise<void> {
    const session = this.session(instance);
    session.assertSameServer();
    await session.logout('instance deleted');
    await session.settled();
    this.sessions.delete(instance.id);
  }

  /** Brings back every instance that should run, one every `bootStaggerMs`, in the background. */
  restoreAll(): Promise<void> {
    this.restoring = (async () => {
      const wanted = await this.deps.instances.list({ desiredState: 'running' });
      for (const instance of wanted.filter((i) => !NOT_RESTORED.has(i.status))) {
        if (this.closing) return;
        if (linkedElsewhere(instance, this.deps.engine.serverId)) {
          this.deps.logger.warn(
            {
              instanceId: instance.id,
              linkedServer: instance.linkedServer,
              server: this.deps.engine.serverId,
            },
            'not restoring an instance linked on another server',
          );
          continue;
        }
        this.deps.logger.info({ instanceId: instance.id, status: instance.status }, 'restoring instance');
        await this.session(instance)
          .start()
          .catch((err) =>
            this.deps.logger.error({ err, instanceId: instance.id }, 'restoring an instance failed'),
          );
        await new Promise((r) => setTimeout(r, this.deps.bootStaggerMs));
      }
    })();
    return this.restoring;
  }

  /** Closes every socket without unlinking, so the next start logs straight back in. */
  async shutdown(): Promise<void> {
    this.closing = true;
    await this.restoring.catch(() => undefined);
    await Promise.all(
      [...this.sessions.values()].map(async (s) => {
        if (s.linkedElsewhere) return;
        if (s.status === 'connected' || s.connection) await s.stop('disconnected', 'gateway shutting down');
        await s.settled();
      }),
    );
  }
}
