import type { FastifyInstance } from 'fastify';
import QRCode from 'qrcode';
import { resolveAdminKey } from './auth/admin-key.ts';
import type { CredentialCipher } from './auth/credential-cipher.ts';
import { openCredentialCipher } from './auth/master-key.ts';
import { SessionService } from './auth/session-service.ts';
import { TenantService } from './auth/tenant-service.ts';
import { CallHandler, checkCallSettings } from './calls/call-handler.ts';
import type { Config } from './config.ts';
import { ChatEvents } from './contacts/chat-events.ts';
import { ChatTracker } from './contacts/chat-tracker.ts';
import { ContactService } from './contacts/contact-service.ts';
import type { Instance } from './domain/instance.ts';
import { BaileysEngine } from './engine/baileys/baileys-engine.ts';
import type { WhatsAppEngine } from './engine/engine.ts';
import { EventBus } from './events/event-bus.ts';
import { EventPublisher } from './events/event-publisher.ts';
import { attachSocketIo } from './events/socket-io.ts';
import { CommandRunner } from './fleet/command-runner.ts';
import { EventTail } from './fleet/event-tail.ts';
import { fencedAuthState, fencedInstances } from './fleet/fenced-writes.ts';
import { LeaseKeeper } from './fleet/lease-keeper.ts';
import { NodeHeartbeat } from './fleet/node-heartbeat.ts';
import { QueueWaker } from './fleet/queue-waker.ts';
import { RemoteSessions } from './fleet/remote-sessions.ts';
import { GroupService } from './groups/group-service.ts';
import { createHttpServer, registerApi, registerOperatorRoutes } from './http/http-server.ts';
import { InboundHandler } from './inbound/inbound-handler.ts';
import { InstanceService } from './instances/instance-service.ts';
import { LinkWait } from './instances/link-wait.ts';
import { RecentInstances } from './instances/recent-instances.ts';
import { HttpLatency } from './observability/http-latency.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { Metrics } from './observability/metrics.ts';
import { StatsService } from './observability/stats.ts';
import { CampaignProgress } from './outbox/campaign-progress.ts';
import { CampaignService } from './outbox/campaign-service.ts';
import { MessageService } from './outbox/message-service.ts';
import { Outbox } from './outbox/outbox.ts';
import { startRetention } from './outbox/retention.ts';
import { StatusService } from './outbox/status-service.ts';
import type { SandboxLink } from './sandbox/sandbox-link.ts';
import { BootRetry } from './sessions/boot-retry.ts';
import type { SessionControl } from './sessions/session-control.ts';
import { SessionManager } from './sessions/session-manager.ts';
import { openStore } from './store/database.ts';
import { openNotifications } from './store/notifications.ts';
import type { LeaseFence, NodeRole, Store } from './store/repositories.ts';
import { DeliveryWorker } from './webhooks/delivery-worker.ts';
import { WebhookService } from './webhooks/webhook-service.ts';

export interface Gateway {
  app: FastifyInstance;
  store: Store;
  bus: EventBus;
  logger: Logger;
  adminKey: { key: string; created: boolean };
  /** Listens, then restores (serve) or claims (worker) the instances; resolves with the base URL. */
  start(): Promise<string>;
  /** Closes sockets without unlinking, the HTTP server and the database. */
  stop(): Promise<void>;
}

export interface GatewayOverrides {
  logger?: Logger;
  engine?: WhatsAppEngine;
  /** `serve` (default): everything in one process; `api`: HTTP only; `worker`: sessions only. */
  role?: NodeRole;
  /** `zapgate sandbox` only: the simulator in this process, for the sandbox's own routes. */
  sandbox?: SandboxLink;
}

function printQr(logger: Logger) {
  return (instance: Instance, qr: string) => {
    QRCode.toString(qr, { type: 'terminal', small: true })
      .then((art) => process.stderr.write(`\nScan with WhatsApp to link "${instance.name}":\n${art}\n`))
      .catch((err) => logger.warn({ err }, 'could not draw the QR code'));
  };
}

/** Something to start after listening and to stop, in reverse order, before the store closes. */
interface Part {
  start(): Promise<void> | void;
  stop(): Promise<void> | void;
}

/** The one composition root: every part of the gateway is built and wired here, nowhere else. */
export async function buildApp(config: Readonly<Config>, overrides: GatewayOverrides = {}): Promise<Gateway> {
  const role = overrides.role ?? 'serve';
  const logger = (overrides.logger ?? createLogger(config.logLevel, undefined, config.logFormat)).child({
    role,
    nodeId: config.fleet.nodeId,
  });
  const store = await openStore(config.databaseUrl, {
    sqliteSynchronous: config.sqliteSynchronous,
    sqliteCheckpointThread: true,
    postgresPoolMax: config.databasePoolMax,
  });
  const adminKey = resolveAdminKey(config.apiKey, config.dataDir);
  const bus = new EventBus((err) => logger.error({ err }, 'an event listener failed'));
  const metrics = new Metrics({ store, logger });
  const heartbeat = new NodeHeartbeat(
    store,
    { id: config.fleet.nodeId, role },
    config.fleet.leaseRenewMs,
    logger,
  );
  const notifications = openNotifications(config.databaseUrl, (err) =>
    logger.warn({ err }, 'fleet notifications: connection failed'),
  );
  const parts: Part[] = [heartbeat, { start: () => {}, stop: () => notifications.close() }];
  let delivery: DeliveryWorker | undefined;
  const events = new EventPublisher(store, bus, logger, () => delivery?.wake());
  const chatEvents = new ChatEvents(store, events, logger);
  const recent = new RecentInstances(bus);
  parts.push({ start: () => {}, stop: () => chatEvents.stop() });

  let sessions: SessionControl;
  let outbox: Pick<Outbox, 'wake' | 'instanceUpdated'> = { wake: () => {}, instanceUpdated: () => {} };
  if (role === 'api') {
    const remote = new RemoteSessions(store, config.fleet, notifications, (kind, outcome, ms) =>
      metrics.observeCommand(kind, outcome, ms),
    );
    sessions = remote;
    parts.push(
      { start: () => remote.listen(), stop: () => {} },
      new EventTail(store, bus, notifications, logger),
    );
  } else {
    let keeper: LeaseKeeper | undefined;
    const owner = buildOwnerSide(
      config,
      {
        store,
        events,
        chatEvents,
        logger,
        metrics,
        engine: overrides.engine,
        cipher: await openCredentialCipher(store, config.masterKey, logger),
        recent,
      },
      role === 'worker' ? (id) => keeper?.fence(id) : undefined,
    );
    sessions = owner.sessions;
    outbox = owner.outbox;
    bus.subscribe(owner.chats.onEvent);
    const campaignProgress = new CampaignProgress(store, events, logger);
    bus.subscribe(campaignProgress.onEvent);
    parts.push({
      start: () =>
        void campaignProgress.sweep().catch((err) => logger.error({ err }, 'campaign sweep failed')),
      stop: () => campaignProgress.stop(),
    });
    parts.push({
      start: () => {
        delivery = new DeliveryWorker(store, logger, {
          allowPrivateUrls: config.allowPrivateUrls,
          ...config.webhook,
          onOutcome: (outcome) => metrics.observeWebhookDelivery(outcome === 'retry' ? 'failed' : outcome),
        });
        // deliveries written by other workers (an instance's events go to every worker's queue)
        return notifications.listen('zapgate_deliveries', () => delivery?.wake());
      },
      stop: async () => {
        await owner.outbox.stop();
        await delivery?.stop();
      },
    });
    let stopRetention = () => {};
    parts.push({
      start: () => {
        stopRetention = startRetention(store, config.retentionDays, logger, config.fleet.nodeId);
      },
      stop: () => stopRetention(),
    });
    if (role === 'worker') {
      keeper = new LeaseKeeper(store, owner.sessions, config.fleet, logger, {
        events: {
          takeover: () => metrics.observeLease('takeover'),
          lost: () => metrics.observeLease('lost'),
        },
        notifications,
        leave: () => heartbeat.stop(),
        bus,
      });
      const runner = new CommandRunner(store, owner.sessions, keeper, config.fleet, notifications, logger);
      const lookout = new QueueWaker(
        store,
        notifications,
        () => keeper?.heldIds() ?? [],
        (id) => owner.outbox.wake(id),
        logger,
      );
      const leases = keeper;
      // after the leases (stopped before them): its attempts take and give back leases
      const retry = new BootRetry(
        {
          instances: store.instances,
          claim: (i) => leases.claimFailed(i),
          start: (i) => owner.sessions.start(i),
          settle: (id) => leases.retryOver(id),
          bus,
          logger,
        },
        config.bootRetry,
      );
      parts.push(
        { start: () => leases.start(), stop: () => leases.stop() },
        { start: () => runner.start(), stop: () => runner.stop() },
        { start: () => lookout.start(), stop: () => lookout.stop() },
        { start: () => retry.start(), stop: () => retry.stop() },
      );
    } else {
      parts.push({ start: () => void owner.sessions.restoreAll(), stop: () => owner.sessions.shutdown() });
      const retry = new BootRetry(
        { instances: store.instances, start: (i) => owner.sessions.start(i), bus, logger },
        config.bootRetry,
      );
      parts.push({ start: () => retry.start(), stop: () => retry.stop() });
    }
  }

  const instances = new InstanceService(store, sessions, config.maxInstances, recent);
  const tenants = new TenantService(store, adminKey.key, () => instances);
  const messages = new MessageService(store, instances, sessions, outbox, bus, {
    linkPreviews: config.linkPreviews,
  });
  const campaigns = new CampaignService(store, instances, outbox, {
    allowPrivateUrls: config.allowPrivateUrls,
    linkPreviews: config.linkPreviews,
  });
  const statuses = new StatusService(store, instances, outbox);
  const webhooks = new WebhookService(store, instances, config.allowPrivateUrls, () => delivery?.wake());
  const contacts = new ContactService(store, instances, sessions, chatEvents);
  instances.onSettings = (instance, settings) => {
    checkCallSettings(settings);
    return webhooks.syncInstanceWebhook(instance, settings);
  };
  const groups = new GroupService(instances, sessions);
  const linkWait = new LinkWait(bus, instances);
  instances.onUpdated = (instance) => {
    sessions.instanceUpdated(instance);
    outbox.instanceUpdated(instance);
  };
  const stats = new StatsService(store, async (scope) => {
    const counts = await store.webhookDeliveries.countByStatus(
      scope.tenantId ? { tenantId: scope.tenantId } : {},
    );
    return { pending: counts.pending ?? 0, dead: counts.dead ?? 0 };
  });

  const app = createHttpServer(logger, config.http);
  const metricsToken = config.metricsToken;
  const metricsPublic = config.metricsPublic;
  let closeSocketIo = async () => {};
  if (role === 'worker') {
    await registerOperatorRoutes(app, { store, metrics, tenants, metricsToken, metricsPublic });
  } else {
    const fleet = { store, liveWindowMs: config.fleet.leaseTtlMs };
    const dashboardSessions = new SessionService(adminKey.key, tenants, config.operator);
    await registerApi(app, {
      store,
      bus,
      metrics,
      metricsToken,
      metricsPublic,
      tenants,
      instances,
      messages,
      statuses,
      campaigns,
      webhooks,
      stats,
      fleet,
      contacts,
      groups,
      sandbox: overrides.sandbox,
      sessions: dashboardSessions,
      http: config.http,
      linkWait,
      httpLatency: new HttpLatency(),
    });
    closeSocketIo = attachSocketIo(app.server, {
      tenants,
      instances,
      bus,
      logger,
      http: config.http,
      sessions: dashboardSessions,
      authFailures: app.authFailures,
    });
  }

  let stopped = false;
  return {
    app,
    store,
    bus,
    logger,
    adminKey,
    async start() {
      const port = role === 'worker' ? config.fleet.workerPort : config.port;
      const url = await app.listen({ port, host: config.host });
      for (const part of parts) await part.start();
      return url;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      for (const part of [...parts].reverse()) await part.stop();
      await closeSocketIo();
      await app.close();
      await store.close();
    },
  };
}

interface OwnerDeps {
  store: Store;
  events: EventPublisher;
  chatEvents: ChatEvents;
  logger: Logger;
  metrics: Metrics;
  engine: WhatsAppEngine | undefined;
  /** Seals credentials under MASTER_KEY (the database's derivation, legacy rows upgraded). */
  cipher: CredentialCipher;
  /** Told of every write of the sessions to an instance row. */
  recent: RecentInstances;
}

/** What a process that owns instances runs: the engine, their sessions, senders and receivers. */
function buildOwnerSide(
  config: Readonly<Config>,
  deps: OwnerDeps,
  lease: ((instanceId: string) => LeaseFence | undefined) | undefined,
) {
  const { store, events, logger, metrics } = deps;
  const engine =
    deps.engine ??
    new BaileysEngine({
      authState: lease ? fencedAuthState(store.authState, lease) : store.authState,
      cipher: deps.cipher,
      ...(config.waServerUrl && config.waServerRootKey
        ? {
            server: {
              url: config.waServerUrl,
              rootPublicKey: config.waServerRootKey,
              ...(config.waServerTlsCert ? { tlsCert: config.waServerTlsCert } : {}),
            },
          }
        : {}),
      logger,
      baileysLogLevel: config.baileysLogLevel,
      browserName: config.browserName,
      keepAliveIntervalMs: config.keepAliveIntervalMs,
      inboundMediaMaxBytes: config.inboundMediaMaxBytes,
    });
  // the live sessions know each instance as last saved; the hooks below are built before them
  const instanceOf = (instanceId: string) => sessions.instanceOf(instanceId);
  const outbox = new Outbox(
    {
      onSent: (latencyMs) => metrics.observeSendLatency(latencyMs),
      store,
      logger,
      pacing: config.pacing,
      allowPrivateUrls: config.allowPrivateUrls,
      retry: config.sendRetry,
      ...(lease ? { lease } : {}),
    },
    events,
    instanceOf,
  );
  const inbound = new InboundHandler(store, events, logger, instanceOf);
  const chats = new ChatTracker(store, logger, deps.chatEvents);
  const calls = new CallHandler(store, events, outbox, logger, instanceOf);
  const sessions: SessionManager = new SessionManager({
    hooks: {
      onOpen: (instance, conn) => {
        inbound.hooks.onOpen(instance, conn);
        outbox.hooks.onOpen(instance, conn);
        chats.hooks.onOpen(instance, conn);
        calls.hooks.onOpen(instance, conn);
      },
      onClose: (instance) => {
        outbox.hooks.onClose(instance);
        chats.hooks.onClose(instance);
      },
    },
    engine,
    instances: deps.recent.watching(lease ? fencedInstances(store.instances, lease) : store.instances),
    instanceEvents: store.instanceEvents,
    events,
    logger,
    config,
    bootStaggerMs: config.bootStaggerMs,
    ...(config.printQr ? { onQr: printQr(logger) } : {}),
  });
  return { sessions, outbox, chats };
}
