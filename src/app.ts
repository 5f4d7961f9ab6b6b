import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import QRCode from 'qrcode';
import { resolveAdminKey } from './auth/admin-key.ts';
import { TenantService } from './auth/tenant-service.ts';
import type { Config } from './config.ts';
import type { Instance } from './domain/instance.ts';
import { BaileysEngine } from './engine/baileys/baileys-engine.ts';
import type { WhatsAppEngine } from './engine/engine.ts';
import { EventBus } from './events/event-bus.ts';
import { EventPublisher } from './events/event-publisher.ts';
import { attachSocketIo } from './events/socket-io.ts';
import { registerAuth } from './http/auth.ts';
import { registerErrorHandling } from './http/error-handler.ts';
import { registerJsonBody } from './http/json-body.ts';
import { campaignRoutes } from './http/routes/campaign-routes.ts';
import { chatRoutes } from './http/routes/chat-routes.ts';
import { eventStreamRoutes } from './http/routes/event-stream-routes.ts';
import { healthRoutes } from './http/routes/health-routes.ts';
import { instanceEventRoutes } from './http/routes/instance-event-routes.ts';
import { instanceRoutes } from './http/routes/instance-routes.ts';
import { linkRoutes } from './http/routes/link-routes.ts';
import { messageRoutes } from './http/routes/message-routes.ts';
import { metricsRoutes, operatorRoutes } from './http/routes/metrics-routes.ts';
import { queueRoutes } from './http/routes/queue-routes.ts';
import { tenantRoutes } from './http/routes/tenant-routes.ts';
import { webhookRoutes } from './http/routes/webhook-routes.ts';
import { InboundHandler } from './inbound/inbound-handler.ts';
import { InstanceService } from './instances/instance-service.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { Metrics } from './observability/metrics.ts';
import { StatsService } from './observability/stats.ts';
import { CampaignService } from './outbox/campaign-service.ts';
import { MessageService } from './outbox/message-service.ts';
import { Outbox } from './outbox/outbox.ts';
import { startRetention } from './outbox/retention.ts';
import { SessionManager } from './sessions/session-manager.ts';
import { openStore } from './store/database.ts';
import type { Store } from './store/repositories.ts';
import { DeliveryWorker } from './webhooks/delivery-worker.ts';
import { WebhookService } from './webhooks/webhook-service.ts';

export interface Gateway {
  app: FastifyInstance;
  store: Store;
  sessions: SessionManager;
  bus: EventBus;
  logger: Logger;
  adminKey: { key: string; created: boolean };
  /** Listens, then restores the instances that should run; resolves with the base URL. */
  start(): Promise<string>;
  /** Closes sockets without unlinking, the HTTP server and the database. */
  stop(): Promise<void>;
}

export interface GatewayOverrides {
  logger?: Logger;
  engine?: WhatsAppEngine;
}

function printQr(logger: Logger) {
  return (instance: Instance, qr: string) => {
    QRCode.toString(qr, { type: 'terminal', small: true })
      .then((art) => process.stderr.write(`\nScan with WhatsApp to link "${instance.name}":\n${art}\n`))
      .catch((err) => logger.warn({ err }, 'could not draw the QR code'));
  };
}

/** The one composition root: every part of the gateway is built and wired here, nowhere else. */
export async function buildApp(config: Readonly<Config>, overrides: GatewayOverrides = {}): Promise<Gateway> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const store = await openStore(config.databaseUrl, {
    sqliteSynchronous: config.sqliteSynchronous,
    postgresPoolMax: config.databasePoolMax,
  });
  const adminKey = resolveAdminKey(config.apiKey, config.dataDir);
  const engine =
    overrides.engine ??
    new BaileysEngine({
      authState: store.authState,
      ...(config.masterKey ? { masterKey: config.masterKey } : {}),
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
  const bus = new EventBus((err) => logger.error({ err }, 'an event listener failed'));
  const metrics = new Metrics({ store, logger });
  let worker: DeliveryWorker | undefined;
  const events = new EventPublisher(store, bus, logger, () => worker?.wake());
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
    },
    events,
    instanceOf,
  );
  const inbound = new InboundHandler(store, events, logger, instanceOf);
  const sessions = new SessionManager({
    hooks: {
      onOpen: (instance, conn) => {
        inbound.hooks.onOpen(instance, conn);
        outbox.hooks.onOpen(instance, conn);
      },
      onClose: (instance) => outbox.hooks.onClose(instance),
    },
    engine,
    instances: store.instances,
    instanceEvents: store.instanceEvents,
    events,
    logger,
    config,
    bootStaggerMs: config.bootStaggerMs,
    ...(config.printQr ? { onQr: printQr(logger) } : {}),
  });
  const instances = new InstanceService(store, sessions, config.maxInstances);
  const tenants = new TenantService(store, adminKey.key, () => instances);
  const messages = new MessageService(store, instances, sessions, outbox, bus);
  const campaigns = new CampaignService(store, instances, outbox);
  const webhooks = new WebhookService(store, instances, config.allowPrivateUrls, () => worker?.wake());
  instances.onSettings = (instance, settings) => webhooks.syncInstanceWebhook(instance, settings);
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

  const app = Fastify({
    loggerInstance: logger as unknown as FastifyBaseLogger,
    disableRequestLogging: true,
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  registerJsonBody(app);
  registerErrorHandling(app);
  await app.register(multipart, { limits: { fileSize: 100 * 1024 * 1024, files: 1, fields: 40 } });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Zapgate', version: '1', description: 'Self-hosted WhatsApp HTTP gateway' },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-Api-Key' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(healthRoutes(store));
  await app.register(operatorRoutes({ metrics, store, tenants, metricsToken: config.metricsToken }));
  await app.register(
    async (api) => {
      registerAuth(api, tenants);
      await api.register(tenantRoutes(tenants));
      await api.register(instanceRoutes(instances));
      await api.register(linkRoutes(instances));
      await api.register(instanceEventRoutes(instances, bus));
      await api.register(messageRoutes(messages));
      await api.register(chatRoutes(messages));
      await api.register(campaignRoutes(campaigns));
      await api.register(queueRoutes(store));
      await api.register(webhookRoutes(webhooks));
      await api.register(eventStreamRoutes(store, bus));
      await api.register(metricsRoutes(stats, instances));
    },
    { prefix: '/api/v1' },
  );

  let stopped = false;
  let stopRetention = () => {};
  const closeSocketIo = attachSocketIo(app.server, { tenants, instances, bus, logger });
  return {
    app,
    store,
    sessions,
    bus,
    logger,
    adminKey,
    async start() {
      const url = await app.listen({ port: config.port, host: config.host });
      worker = new DeliveryWorker(store, logger, {
        allowPrivateUrls: config.allowPrivateUrls,
        ...config.webhook,
        onOutcome: (outcome) => metrics.observeWebhookDelivery(outcome === 'retry' ? 'failed' : outcome),
      });
      void sessions.restoreAll();
      stopRetention = startRetention(store, config.retentionDays, logger);
      return url;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      stopRetention();
      await sessions.shutdown();
      await outbox.stop();
      await worker?.stop();
      await closeSocketIo();
      await app.close();
      await store.close();
    },
  };
}
