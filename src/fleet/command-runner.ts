import type { FleetConfig } from '../config.ts';
import { isAccountOpName, runAccountOp } from '../engine/account-ops.ts';
import { isGroupOpName, runGroupOp } from '../engine/group-ops.ts';
import { Errors, ZapgateError } from '../errors.ts';
import type { Logger } from '../observability/logger.ts';
import type { SessionManager } from '../sessions/session-manager.ts';
import { type Notifications, roundMs } from '../store/notifications.ts';
import type { CommandRecord, Store } from '../store/repositories.ts';
import { CoalescedRun } from './coalesced-run.ts';
import type { CommandArgs, CommandFailure } from './commands.ts';
import type { LeaseKeeper } from './lease-keeper.ts';

const COMMANDS_CHANNEL = 'zapgate_commands';
const BATCH = 20;

/** A worker's side of the commands: takes the ones addressed to it and carries them out. */
export class CommandRunner {
  private timer: NodeJS.Timeout | undefined;
  private readonly run = new CoalescedRun(() => this.drain());
  private readonly log: Logger;

  constructor(
    private readonly store: Store,
    private readonly sessions: SessionManager,
    private readonly leases: LeaseKeeper,
    private readonly fleet: FleetConfig,
    private readonly notifications: Notifications,
    logger: Logger,
  ) {
    this.log = logger.child({ component: 'commands', nodeId: fleet.nodeId });
  }

  async start(): Promise<void> {
    await this.notifications.listen(COMMANDS_CHANNEL, (nodeId) => {
      if (nodeId === this.fleet.nodeId) this.run.poke();
    });
    this.timer = setInterval(() => this.run.poke(), roundMs(this.notifications));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.run.stop();
  }

  private async drain(): Promise<void> {
    const pending = await this.store.commands.pendingFor(this.fleet.nodeId, BATCH).catch((err: unknown) => {
      this.log.error({ err }, 'reading commands failed');
      return [];
    });
    for (const command of pending) await this.carryOut(command);
  }

  private async carryOut(command: CommandRecord): Promise<void> {
    const started = Date.now();
    try {
      const result = await this.execute(command);
      await this.store.commands.finish(command.id, 'done', result ?? null);
      this.log.info(
        { kind: command.kind, instanceId: command.instanceId, ms: Date.now() - started },
        'command done',
      );
    } catch (err) {
      const failure: CommandFailure =
        err instanceof ZapgateError
          ? { code: err.code, statusCode: err.statusCode, message: err.message }
          : {
              code: 'ZG_ERR_COMMAND_FAILED',
              statusCode: 502,
              message: String((err as Error).message ?? err),
            };
      if (!(err instanceof ZapgateError))
        this.log.error({ err, kind: command.kind, instanceId: command.instanceId }, 'command failed');
      await this.store.commands.finish(command.id, 'failed', failure).catch(() => undefined);
    }
  }

  private async execute(command: CommandRecord): Promise<unknown> {
    const instance = await this.store.instances.get(command.instanceId);
    if (!instance) throw Errors.notFound(`instance ${command.instanceId}`);
    if (!this.leases.mayAct(instance.id)) throw Errors.noOwner(instance.name);
    // a command right after a takeover (a pairing code for a new instance) waits for its start
    await this.leases.started(instance.id);
    const args = command.args;
    switch (command.kind) {
      case 'start':
        return this.sessions.start(instance);
      case 'stop':
        await this.sessions.stop(instance);
        return this.leases.release(instance.id);
      case 'logout':
        await this.sessions.logout(instance);
        return this.leases.release(instance.id);
      case 'remove':
        await this.sessions.remove(instance);
        return this.leases.release(instance.id);
      case 'pairing-code': {
        const { phone } = args as CommandArgs['pairing-code'];
        const { pairingCode, expiresAt } = await this.sessions.requestPairingCode(instance, phone);
        return { pairingCode, expiresAt: expiresAt.toISOString() };
      }
      default:
        return this.onSocket(command);
    }
  }

  private async onSocket(command: CommandRecord): Promise<unknown> {
    const instance = await this.store.instances.get(command.instanceId);
    const conn = instance && this.sessions.connectionOf(instance);
    if (!conn) throw Errors.unavailable(`instance ${instance?.name ?? command.instanceId} is not connected`);
    const a = command.args;
    switch (command.kind) {
      case 'mark-read': {
        const { chatJid, waMessageIds } = a as CommandArgs['mark-read'];
        return conn.markRead(chatJid, waMessageIds);
      }
      case 'presence': {
        const { state, chatJid } = a as CommandArgs['presence'];
        return conn.presence(state, chatJid);
      }
      case 'check-numbers':
        return conn.checkNumbers((a as CommandArgs['check-numbers']).numbers);
      case 'edit': {
        const { chatJid, waMessageId, text } = a as CommandArgs['edit'];
        return conn.edit(chatJid, waMessageId, text);
      }
      case 'revoke': {
        const { chatJid, waMessageId, fromMe } = a as CommandArgs['revoke'];
        return conn.revoke(chatJid, waMessageId, fromMe);
      }
      case 'account-call': {
        const { method, args } = a as CommandArgs['account-call'];
        if (!isAccountOpName(method) || !Array.isArray(args))
          throw Errors.validation(`unknown account call ${method}`);
        return runAccountOp(conn.account, method, args);
      }
      case 'group-call': {
        const { method, args } = a as CommandArgs['group-call'];
        if (!isGroupOpName(method) || !Array.isArray(args))
          throw Errors.validation(`unknown group call ${method}`);
        return runGroupOp(conn.groups, method, args);
      }
      default:
        throw Errors.validation(`unknown command ${command.kind}`);
    }
  }
}
