import { randomUUID } from 'node:crypto';
import type { FleetConfig } from '../config.ts';
import type { Instance } from '../domain/instance.ts';
import { accountOpsVia } from '../engine/account-ops.ts';
import { groupOpsVia } from '../engine/group-ops.ts';
import { Errors, ZapgateError } from '../errors.ts';
import type { LiveConnection, SessionControl } from '../sessions/session-control.ts';
import type { Notifications } from '../store/notifications.ts';
import type { CommandRecord, Store } from '../store/repositories.ts';
import type { CommandArgs, CommandFailure, CommandKind } from './commands.ts';

/** How often an API node looks for an answer on its own: a backstop where answers are notified. */
const ANSWER_POLL_MS = { notified: 500, polled: 25 };
const ANSWER_TIMEOUT_MS = 25_000;
const DONE_CHANNEL = 'zapgate_command_done';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type CommandOutcome = 'done' | 'failed' | 'timeout';

/**
 * An API node's view of the sessions: each operation is a command row addressed to the worker
 * that holds the instance's lease, answered with the owner's result, a 503 `ZG_ERR_NO_OWNER`
 * when no live worker holds it in time, or a 504 when the owner does not answer.
 */
export class RemoteSessions implements SessionControl {
  /** Commands this node waits for, each with the wake-up of its waiter. */
  private readonly waiting = new Map<string, () => void>();

  constructor(
    private readonly store: Store,
    private readonly fleet: FleetConfig,
    private readonly notifications: Notifications,
    private readonly onAnswer: (kind: CommandKind, outcome: CommandOutcome, ms: number) => void = () => {},
  ) {}

  /** Hears the owners' answers as they are committed (PostgreSQL); they are looked for anyway. */
  async listen(): Promise<void> {
    await this.notifications.listen(DONE_CHANNEL, (id) => this.waiting.get(id)?.());
  }

  async start(instance: Instance): Promise<void> {
    await this.store.instances.update(instance.id, { desiredState: 'running' });
    const owner = await this.store.leases.ownerOf(instance.id, new Date());
    if (owner) return void (await this.run(instance, owner, 'start', {}));
    // without an owner, a worker claims the instance within a lease round and starts it; no worker
    // takes a failed or logged-out one (its lease was given back), so it is shown disconnected, as
    // it then is (a logged-out one, without credentials, comes back with a QR code)
    if (instance.status === 'failed' || instance.status === 'logged_out')
      await this.store.instances.update(instance.id, { status: 'disconnected' });
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
      account: accountOpsVia((method, args) => ask('account-call', { method, args })),
      groups: groupOpsVia((method, args) => ask('group-call', { method, args })),
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
    const started = Date.now();
    let outcome: CommandOutcome = 'timeout';
    try {
      await this.store.commands.create({ id, instanceId: instance.id, nodeId, kind, args });
      const command = await this.answerOf(id);
      if (!command) throw Errors.timeout(`worker ${nodeId} to carry out ${kind} on ${instance.name}`);
      outcome = command.status === 'done' ? 'done' : 'failed';
      if (command.status === 'done') return command.result;
      const failure = command.result as CommandFailure;
      throw new ZapgateError(failure.code, failure.statusCode, failure.message);
    } finally {
      this.onAnswer(kind, outcome, Date.now() - started);
    }
  }

  /** The command once its owner answered it, or nothing past the answer timeout. */
  private async answerOf(id: string): Promise<CommandRecord | undefined> {
    const pollMs = this.notifications.live ? ANSWER_POLL_MS.notified : ANSWER_POLL_MS.polled;
    const deadline = Date.now() + ANSWER_TIMEOUT_MS;
    try {
      for (;;) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          this.waiting.set(id, () => {
            clearTimeout(timer);
            resolve();
          });
        });
        const command = await this.store.commands.get(id);
        if (command && command.status !== 'pending') return command;
        if (Date.now() > deadline) return undefined;
      }
    } finally {
      this.waiting.delete(id);
    }
  }
}
