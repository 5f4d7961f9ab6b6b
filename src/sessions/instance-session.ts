import type { Config } from '../config.ts';
import type { Instance, InstanceStatus } from '../domain/instance.ts';
import type { CloseInfo, EngineConnection, LinkedIdentity, WhatsAppEngine } from '../engine/engine.ts';
import { Errors } from '../errors.ts';
import type { EventPublisher } from '../events/event-publisher.ts';
import type { Logger } from '../observability/logger.ts';
import type { InstanceEventRepository, InstancePatch, InstanceRepository } from '../store/repositories.ts';
import { reconnectDelay } from './reconnect-policy.ts';

export interface SessionDeps {
  engine: WhatsAppEngine;
  instances: InstanceRepository;
  instanceEvents: InstanceEventRepository;
  events: Pick<EventPublisher, 'publish'>;
  logger: Logger;
  config: Pick<Config, 'reconnectBaseMs' | 'reconnectMaxMs' | 'watchdogMs' | 'pairingCodeTtlMs'>;
  onQr?: (instance: Instance, qr: string) => void;
  /** Told when a connection opens and when it is gone (the outbox sends only in between). */
  hooks?: { onOpen(instance: Instance, conn: EngineConnection): void; onClose(instance: Instance): void };
}

/** Whether an instance's credentials were issued by a server other than `serverId`. */
export const linkedElsewhere = (instance: Instance, serverId: string): boolean =>
  instance.linkedServer !== null && instance.linkedServer !== serverId;

/**
 * One instance's live connection and its lifecycle: connect, show QR codes, reconnect with backoff,
 * watch for dead links, and record every transition (row, `instance_events`, bus) in order.
 */
export class InstanceSession {
  private conn: EngineConnection | undefined;
  private attempt = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private pairingExpiry: NodeJS.Timeout | undefined;
  private writes: Promise<unknown> = Promise.resolve();
  private active = false;
  private readonly log: Logger;
  status: InstanceStatus;

  constructor(
    private instance: Instance,
    private readonly deps: SessionDeps,
  ) {
    this.status = instance.status;
    this.log = deps.logger.child({ instanceId: instance.id, instance: instance.name });
  }

  get connection(): EngineConnection | undefined {
    return this.conn;
  }

  /** The instance as this session knows it: the last saved row (renames included). */
  get current(): Instance {
    return this.instance;
  }

  /** The instance row was saved elsewhere (a rename, new settings): its events carry it now. */
  refresh(instance: Instance): void {
    this.instance = { ...instance, status: this.instance.status };
  }

  /** Whether the credentials were issued by a server other than the one this gateway talks to. */
  get linkedElsewhere(): boolean {
    return linkedElsewhere(this.instance, this.deps.engine.serverId);
  }

  /** Refuses, before anything is written, to touch the credentials of another server's instance. */
  assertSameServer(): void {
    if (this.linkedElsewhere)
      throw Errors.otherServer(
        this.instance.name,
        this.instance.linkedServer ?? '',
        this.deps.engine.serverId,
      );
  }

  /** Connects (again) and keeps the instance connected until `stop` or a logout. */
  async start(): Promise<void> {
    this.assertSameServer();
    this.active = true;
    this.clearTimers();
    await this.closeConnection();
    await this.connect();
  }

  /** Closes the socket without unlinking; `status` is what the instance shows afterwards. */
  async stop(status: InstanceStatus = 'stopped', reason = 'stopped by the operator'): Promise<void> {
    this.active = false;
    this.clearTimers();
    await this.closeConnection();
    await this.transition(status, { qr: null, pairingCode: null, pairingExpiresAt: null }, reason);
  }

  /** Closes the socket and writes nothing: another process owns the instance now. */
  async abandon(): Promise<void> {
    this.active = false;
    this.clearTimers();
    await this.closeConnection();
  }

  /** Unlinks from the phone (when linked), forgets credentials, ends as `logged_out`. */
  async logout(reason = 'logged out by the operator'): Promise<void> {
    this.active = false;
    this.clearTimers();
    const conn = this.conn;
    this.conn = undefined;
    this.deps.hooks?.onClose(this.instance);
    if (conn && this.status === 'connected')
      await conn.logout().catch((err) => this.log.warn({ err }, 'logout request failed'));
    else await conn?.close();
    await this.deps.engine.forget(this.instance.id);
    await this.transition(
      'logged_out',
      { qr: null, pairingCode: null, pairingExpiresAt: null, connectedAt: null },
      reason,
    );
  }

  /** Waits until the socket is registering (showing QR codes), starting it if needed. */
  async requestPairingCode(
    phone: string,
    timeoutMs = 20_000,
  ): Promise<{ pairingCode: string; expiresAt: Date }> {
    if (this.status === 'connected') throw Errors.alreadyConnected(this.instance.name);
    if (!this.active || !this.conn) await this.start();
    const deadline = Date.now() + timeoutMs;
    // the status moves under our feet while we wait: read it fresh each time
    const current = (): InstanceStatus => this.status;
    while (current() !== 'qr' && current() !== 'pairing') {
      if (current() === 'connected') throw Errors.alreadyConnected(this.instance.name);
      if (Date.now() > deadline) throw Errors.timeout('the instance to be ready for linking');
      await new Promise((r) => setTimeout(r, 50));
    }
    const conn = this.conn;
    if (!conn) throw Errors.unavailable('the instance has no connection right now; try again');
    const pairingCode = await conn.requestPairingCode(phone);
    const expiresAt = new Date(Date.now() + this.deps.config.pairingCodeTtlMs);
    await this.transition('pairing', { pairingCode, pairingExpiresAt: expiresAt }, 'pairing code requested');
    this.armPairingExpiry(conn, pairingCode);
    return { pairingCode, expiresAt };
  }

  /** A code not typed in its window is void: a fresh registration (new QR codes, no code) replaces it. */
  private armPairingExpiry(conn: EngineConnection, pairingCode: string): void {
    clearTimeout(this.pairingExpiry);
    this.pairingExpiry = setTimeout(() => {
      if (conn !== this.conn || this.status !== 'pairing' || this.instance.pairingCode !== pairingCode)
        return;
      this.log.info('pairing code expired; registering again');
      void (async () => {
        await this.closeConnection();
        // the credentials of a registration never finished: logging in with them is refused
        await this.deps.engine.forget(this.instance.id);
        const cleared = { qr: null, pairingCode: null, pairingExpiresAt: null };
        await this.transition('connecting', cleared, 'pairing code expired');
        if (this.active) await this.connect();
      })();
    }, this.deps.config.pairingCodeTtlMs);
  }

  private async connect(): Promise<void> {
    await this.transition(
      'connecting',
      {},
      this.attempt ? `reconnect attempt ${this.attempt}` : 'connecting',
    );
    let conn: EngineConnection;
    try {
      conn = await this.deps.engine.connect(this.instance.id);
    } catch (err) {
      this.log.error({ err }, 'could not open a connection');
      await this.transition(
        'failed',
        { lastError: String((err as Error).message ?? err) },
        'could not open a connection',
      );
      this.active = false;
      return;
    }
    this.conn = conn;
    conn.on('qr', ({ qr }) => void this.onQr(conn, qr));
    conn.on('open', (identity) => void this.onOpen(conn, identity));
    conn.on('close', (info) => void this.onClose(conn, info));
  }

  private async onQr(conn: EngineConnection, qr: string): Promise<void> {
    if (conn !== this.conn) return;
    const status = this.status === 'pairing' ? 'pairing' : 'qr';
    await this.transition(status, { qr, qrUpdatedAt: new Date() }, 'waiting to be linked', {
      quiet: status === this.status,
    });
    void this.deps.events.publish('instance.qr', this.instance, { qr });
    this.deps.onQr?.(this.instance, qr);
  }

  private async onOpen(conn: EngineConnection, who: LinkedIdentity): Promise<void> {
    if (conn !== this.conn) return;
    this.attempt = 0;
    const patch: InstancePatch = {
      phone: who.phone,
      jid: who.jid,
      lid: who.lid,
      pushName: who.pushName,
      linkedServer: this.deps.engine.serverId,
      connectedAt: new Date(),
      lastError: null,
      qr: null,
      pairingCode: null,
      pairingExpiresAt: null,
    };
    await this.transition('connected', patch, 'connected to WhatsApp');
    this.armWatchdog(conn);
    this.deps.hooks?.onOpen(this.instance, conn);
  }

  private async onClose(conn: EngineConnection, info: CloseInfo): Promise<void> {
    if (conn !== this.conn) return;
    this.conn = undefined;
    this.deps.hooks?.onClose(this.instance);
    this.clearTimers();
    const lastError = `${info.message} (${info.code})`;
    this.log.info({ kind: info.kind, code: info.code, reason: info.message }, 'connection closed');
    if (info.kind === 'closed' || !this.active) return;
    if (info.kind === 'logged_out') {
      this.active = false;
      // Only the server that issued the credentials can void them; an instance linked before the
      // server was recorded keeps them, for the operator to log in again where they belong.
      if (this.instance.linkedServer === this.deps.engine.serverId)
        await this.deps.engine.forget(this.instance.id);
      else
        this.log.warn(
          { server: this.deps.engine.serverId },
          'logged out by a server not known to have linked it: credentials kept',
        );
      await this.transition(
        'logged_out',
        { lastError, qr: null, connectedAt: null },
        'the phone unlinked this device',
      );
      return;
    }
    if (info.kind === 'refused') {
      this.active = false;
      await this.deps.engine.forget(this.instance.id);
      this.log.error({ reason: info.message }, 'refused: a signature check failed');
      await this.transition('failed', { lastError, qr: null }, `refused: ${info.message}`);
      return;
    }
    if (info.kind === 'restart_required' || info.kind === 'qr_expired') {
      await this.connect();
      return;
    }
    this.scheduleReconnect(lastError, info.message);
  }

  private scheduleReconnect(lastError: string, reason: string): void {
    this.attempt += 1;
    const delay = reconnectDelay(
      this.attempt,
      this.deps.config.reconnectBaseMs,
      this.deps.config.reconnectMaxMs,
    );
    void this.transition('disconnected', { lastError }, `${reason}; reconnecting in ${delay} ms`);
    this.reconnectTimer = setTimeout(() => {
      if (this.active) void this.connect();
    }, delay);
  }

  /** A link that says connected but receives nothing past the keep-alive window is dead. */
  private armWatchdog(conn: EngineConnection): void {
    const { watchdogMs } = this.deps.config;
    this.watchdog = setInterval(
      () => {
        const silentFor = Date.now() - conn.lastActivityAt();
        if (conn !== this.conn || silentFor < watchdogMs) return;
        this.log.warn({ silentForMs: silentFor }, 'watchdog: no traffic on a connected link, reconnecting');
        this.clearTimers();
        this.conn = undefined;
        void conn.close().then(() => this.scheduleReconnect(`no traffic for ${silentFor} ms`, 'watchdog'));
      },
      Math.max(250, Math.floor(watchdogMs / 4)),
    );
  }

  private clearTimers(): void {
    clearTimeout(this.reconnectTimer);
    clearInterval(this.watchdog);
    clearTimeout(this.pairingExpiry);
    this.reconnectTimer = undefined;
    this.watchdog = undefined;
  }

  private async closeConnection(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    this.deps.hooks?.onClose(this.instance);
    await conn?.close();
  }

  /** Records a transition: the row, an `instance_events` entry and a bus event, one after another. */
  private transition(
    status: InstanceStatus,
    patch: InstancePatch,
    reason: string,
    opts: { quiet?: boolean } = {},
  ) {
    const previous = this.status;
    this.status = status;
    const write = this.writes.then(async () => {
      const updated = await this.deps.instances.update(this.instance.id, { ...patch, status });
      // gone, or (in a fleet) no longer this worker's: its successor tells the story from here
      if (!updated) return;
      this.instance = updated;
      if (opts.quiet || previous === status) return;
      const data = { status, previous, reason };
      await this.deps.instanceEvents.append({
        instanceId: this.instance.id,
        tenantId: this.instance.tenantId,
        type: 'status',
        data,
      });
      await this.deps.events.publish('instance.status', this.instance, {
        ...data,
        phone: this.instance.phone,
      });
      this.log.info({ status, previous, reason }, 'instance status');
    });
    this.writes = write.catch((err) => this.log.error({ err, status }, 'recording a status change failed'));
    return this.writes;
  }

  /** Resolves once every transition so far is written. */
  settled(): Promise<unknown> {
    return this.writes;
  }
}
