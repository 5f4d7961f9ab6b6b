import { randomUUID } from 'node:crypto';
import type { FleetConfig } from '../config.ts';
import type { Instance } from '../domain/instance.ts';
import { Errors, ZapgateError } from '../errors.ts';
import type { LiveConnection, SessionControl } from '../sessions/session-control.ts';
import type { Store } from '../store/repositories.ts';
import type { CommandArgs, CommandFailure, CommandKind } from './commands.ts';

const POLL_MS = 25;
const ANSWER_TIMEOUT_MS = 25_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An API node's view of the sessions: each operation is a command row addressed to the worker
 * that holds the instance's lease, answered with the owner's result, a 503 `ZG_ERR_NO_OWNER`
 * when no live worker holds it in time, or a 504 when the owner does not answer.
 */
export class RemoteSessions implements SessionControl {
  constructor(
    private readonly store: Store,
    private readonly fleet: FleetConfig,
  ) {}

  async start(instance: Instance): Promise<void> {
    await this.store.instances.update(instance.id, { desiredState: 'running' });
    const owner = await this.store.leases.ownerOf(instance.id, new Date());
    // without an owner, a worker claims the instance within a lease round and starts it
    if (owner) await this.run(instance, owner, 'start', {});
  }

  async stop(instance: Instance): Promise<void> {
    const owner = await this.store.leases.ownerOf(instance.id, new Date());
    if (owner) return void (await this.run(instance, owner, 'stop', {}));
    await this.store.instances.update(instance.id, { desiredState: 'stopped', status: 'stopped' });
  }

  async logout(instance: Instance): Promise<void> {
    const owner = await this.store.leases.ownerOf(instance.id, new Date());
    if (owner) return void (await this.run(instance, owner, 'logout', {}));
    await this.store.instances.update(instance.id, { desiredState: 'stopped' });
    await this.store.authState.clear(instance.id);
    await this.store.instances.update(instance.id, { status: 'logged_out', connectedAt: null, qr: null });
  }

  async requestPairingCode(
    instance: Instance,
    phone: string,
  ): Promise<{ pairingCode: string; expiresAt: Date }> {
    await this.store.instances.update(instance.id, { desiredState: 'running' });
    const owner = await this.awaitOwner(instance);
    const answer = (await this.run(instance, owner, 'pairing-code', { phone })) as {
      pairingCode: string;
      expiresAt: string;
    };
    return { pairingCode: answer.pairingCode, expiresAt: new Date(answer.expiresAt) };
  }

  async remove(instance: Instance): Promise<void> {
    const owner = await this.store.leases.ownerOf(instance.id, new Date());
    if (owner) await this.run(instance, owner, 'remove', {});
  }

  connectionOf(instance: Instance): LiveConnection | undefined {
    if (instance.status !== 'connected') return undefined;
    const ask = async <K extends CommandKind>(kind: K, args: CommandArgs[K]) =>
      this.run(instance, await this.awaitOwner(instance), kind, args);
    return {
      markRead: async (chatJid, waMessageIds) => void (await ask('mark-read', { chatJid, waMessageIds })),
      presence: async (state, chatJid) =>
        void (await ask('presence', chatJid === undefined ? { state } : { state, chatJid })),
      checkNumbers: async (numbers) =>
        (await ask('check-numbers', { numbers })) as Awaited<ReturnType<LiveConnection['checkNumbers']>>,
      edit: async (chatJid, waMessageId, text) => void (await ask('edit', { chatJid, waMessageId, text })),
      revoke: async (chatJid, waMessageId, fromMe) =>
        void (await ask('revoke', { chatJid, waMessageId, fromMe })),
    };
  }

  instanceUpdated(): void {
    // the owner re-reads the row: its sender every few seconds, its session at the next change
  }

  /** The instance's owner, waiting up to a lease's lifetime for a worker to take it. */
  private async awaitOwner(instance: Instance): Promise<string> {
    const deadline = Date.now() + this.fleet.leaseTtlMs + this.fleet.leaseRenewMs;
    for (;;) {
      const owner = await this.store.leases.ownerOf(instance.id, new Date());
      if (owner) return owner;
      if (Date.now() > deadline) throw Errors.noOwner(instance.name);
      await sleep(100);
    }
  }

  private async run<K extends CommandKind>(
    instance: Instance,
    nodeId: string,
    kind: K,
    args: CommandArgs[K],
  ): Promise<unknown> {
    const id = randomUUID();
    await this.store.commands.create({ id, instanceId: instance.id, nodeId, kind, args });
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    for (;;) {
      await sleep(POLL_MS);
      const command = await this.store.commands.get(id);
      if (command?.status === 'done') return command.result;
      if (command?.status === 'failed') {
        const failure = command.result as CommandFailure;
        throw new ZapgateError(failure.code, failure.statusCode, failure.message);
      }
      if (Date.now() > deadline)
        throw Errors.timeout(`worker ${nodeId} to carry out ${kind} on ${instance.name}`);
    }
  }
}
