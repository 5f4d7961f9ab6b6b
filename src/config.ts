import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { isTrustProxyEntry, type TrustProxy } from './http/client-address.ts';

/** Everything the gateway reads from its environment, validated once, frozen. */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string;
  /** SQLite's commit durability: `normal` survives a crash of the process, `full` also a power cut. */
  sqliteSynchronous: 'normal' | 'full';
  /** PostgreSQL connections this process may hold at once. */
  databasePoolMax: number;
  apiKey: string | undefined;
  /** ADMIN_USER / ADMIN_PASSWORD: the dashboard's operator sign-in besides the admin key. */
  operator: { user: string | undefined; password: string | undefined };
  masterKey: string | undefined;
  bootStaggerMs: number;
  /** Instances that ended `failed`, started again at boot: how often, and the first wait (it doubles). */
  bootRetry: { attempts: number; baseMs: number };
  maxInstances: number;
  logLevel: string;
  /** LOG_FORMAT: json, pretty, or auto (pretty when stdout is a terminal). */
  logFormat: 'json' | 'pretty' | 'auto';
  baileysLogLevel: string;
  waServerUrl: string | undefined;
  waServerRootKey: string | undefined;
  waServerTlsCert: string | undefined;
  keepAliveIntervalMs: number;
  watchdogMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  pairingCodeTtlMs: number;
  printQr: boolean;
  browserName: string;
  pacing: {
    minDelayMs: number;
    maxDelayMs: number;
    typing: boolean;
    dailyLimit: number;
    warmupStart: number;
  };
  sendRetry: { baseMs: number; maxMs: number; maxAttempts: number };
  retentionDays: number;
  allowPrivateUrls: boolean;
  /** LINK_PREVIEWS: `linkPreview: true` on a text has the gateway fetch the page for its card. */
  linkPreviews: boolean;
  inboundMediaMaxBytes: number;
  webhook: { timeoutMs: number; maxAgeMs: number; retryBaseMs: number; retryMaxMs: number };
  /** When set, GET /metrics requires `Authorization: Bearer <token>` (and only it). */
  metricsToken: string | undefined;
  /** METRICS_PUBLIC: /metrics without any key (it lists every tenant's instance ids); off by default. */
  metricsPublic: boolean;
  fleet: FleetConfig;
  http: HttpConfig;
}

/** What the HTTP server allows its clients. */
export interface HttpConfig {
  /** A request's headers and body must have arrived within this (0: no limit); a stream's life is not counted. */
  requestTimeoutMs: number;
  /** Requests a minute per tenant key, and per client address for the routes without a key (0: off). */
  rateLimitPerMinute: number;
  /** Requests a minute with a missing or wrong key, per client address (0: off). */
  authFailuresPerMinute: number;
  /** SSE streams and socket.io connections one key may hold open at once. */
  maxStreamsPerKey: number;
  /** Browser origins (`https://app.example.com`) allowed to call the API and socket.io; none by default. */
  allowedOrigins: string[];
  /** TRUST_PROXY: whose X-Forwarded-For names the client, for rate limits and logs; nobody's by default. */
  trustProxy: TrustProxy;
}

function origins(env: Env): string[] {
  const list = (env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of list) {
    const parsed = URL.canParse(origin) ? new URL(origin) : undefined;
    if (!parsed || parsed.origin !== origin || !/^https?:$/.test(parsed.protocol))
      throw new ConfigError(
        `ALLOWED_ORIGINS must be comma-separated origins like https://app.example.com, got "${origin}"`,
      );
  }
  return list;
}

function trustProxy(env: Env): TrustProxy {
  const raw = (env.TRUST_PROXY ?? '').trim();
  if (raw === '' || /^(0|false|no|off)$/i.test(raw)) return false;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  const list = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const bad = list.find((entry) => !isTrustProxyEntry(entry));
  if (bad !== undefined)
    throw new ConfigError(
      `TRUST_PROXY must be true, false, or proxy addresses and CIDR ranges (127.0.0.1,10.0.0.0/8, loopback), got "${bad}"`,
    );
  return list;
}

/** The HTTP settings alone, for the parts that are handed no Config. */
export function httpConfig(env: Env = process.env): HttpConfig {
  return {
    requestTimeoutMs: int(env, 'REQUEST_TIMEOUT_MS', 30_000),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 6_000),
    authFailuresPerMinute: int(env, 'AUTH_FAILURES_PER_MINUTE', 300),
    maxStreamsPerKey: int(env, 'MAX_STREAMS_PER_KEY', 20, 1),
    allowedOrigins: origins(env),
    trustProxy: trustProxy(env),
  };
}

/** How the processes of a fleet find each other and share the instances. */
export interface FleetConfig {
  /** This process in the `nodes` table: NODE_ID, or hostname-pid. */
  nodeId: string;
  leaseRenewMs: number;
  leaseTtlMs: number;
  /** The most instances one worker holds. */
  workerMaxInstances: number;
  /** A worker's own port for /health and /metrics. */
  workerPort: number;
  /** `serve --workers N`: worker processes beside one API process (0: one process does it all). */
  workers: number;
}

function fleet(env: Env): FleetConfig {
  const leaseRenewMs = int(env, 'LEASE_RENEW_MS', 5_000, 100);
  const leaseTtlMs = int(env, 'LEASE_TTL_MS', 15_000, 300);
  if (leaseTtlMs < 2 * leaseRenewMs)
    throw new ConfigError(
      `LEASE_TTL_MS (${leaseTtlMs}) must be at least twice LEASE_RENEW_MS (${leaseRenewMs})`,
    );
  return {
    nodeId: env.NODE_ID || `${hostname()}-${process.pid}`,
    leaseRenewMs,
    leaseTtlMs,
    workerMaxInstances: int(env, 'WORKER_MAX_INSTANCES', 1_000, 1),
    workerPort: int(env, 'WORKER_PORT', 3001),
    workers: int(env, 'WORKERS', 0),
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min)
    throw new ConfigError(`${name} must be an integer ≥ ${min}, got "${raw}"`);
  return n;
}

function oneOf(env: Env, name: string, allowed: readonly string[], fallback: string): string {
  const raw = env[name] || fallback;
  if (!allowed.includes(raw))
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw;
}

const flag = (env: Env, name: string, fallback: boolean): boolean => {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be 1 or 0 (true/false), got "${raw}"`);
};

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function waServer(env: Env): Pick<Config, 'waServerUrl' | 'waServerRootKey' | 'waServerTlsCert'> {
  const url = env.WA_SERVER_URL || undefined;
  const rootKey = env.WA_SERVER_ROOT_KEY || undefined;
  if (url && !/^wss?:\/\//.test(url))
    throw new ConfigError(`WA_SERVER_URL must be a ws:// or wss:// URL, got "${url}"`);
  if (Boolean(url) !== Boolean(rootKey))
    throw new ConfigError('WA_SERVER_URL and WA_SERVER_ROOT_KEY go together: set both or neither');
  if (rootKey && Buffer.from(rootKey, 'base64').length !== 32)
    throw new ConfigError('WA_SERVER_ROOT_KEY must be a base64 32-byte key');
  const cert = env.WA_SERVER_TLS_CERT || undefined;
  return { waServerUrl: url, waServerRootKey: rootKey, waServerTlsCert: cert?.replace(/\\n/g, '\n') };
}

function operator(env: Env): { user: string | undefined; password: string | undefined } {
  const user = env.ADMIN_USER || undefined;
  const password = env.ADMIN_PASSWORD || undefined;
  if (Boolean(user) !== Boolean(password))
    throw new ConfigError('ADMIN_USER and ADMIN_PASSWORD go together: set both or neither');
  return { user, password };
}

function metricsPublic(env: Env): boolean {
  const open = flag(env, 'METRICS_PUBLIC', false);
  if (open && env.METRICS_TOKEN)
    throw new ConfigError('METRICS_PUBLIC and METRICS_TOKEN contradict each other: set one or neither');
  return open;
}

/** Reads the configuration; throws a ConfigError naming the variable to fix. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const dataDir = resolve(env.DATA_DIR || './data');
  return Object.freeze({
    port: int(env, 'PORT', 3000),
    host: env.HOST || '0.0.0.0',
    dataDir,
    databaseUrl: env.DATABASE_URL || `sqlite://${resolve(dataDir, 'zapgate.db')}`,
    sqliteSynchronous: oneOf(env, 'SQLITE_SYNCHRONOUS', ['normal', 'full'], 'normal') as 'normal' | 'full',
    databasePoolMax: int(env, 'DATABASE_POOL_MAX', 10, 1),
    apiKey: env.API_KEY || undefined,
    operator: operator(env),
    masterKey: env.MASTER_KEY || undefined,
    bootStaggerMs: int(env, 'BOOT_STAGGER_MS', 250),
    bootRetry: {
      attempts: int(env, 'BOOT_RETRY_ATTEMPTS', 3),
      baseMs: int(env, 'BOOT_RETRY_BASE_MS', 5_000, 10),
    },
    maxInstances: int(env, 'MAX_INSTANCES', 100, 1),
    logLevel: oneOf(env, 'LOG_LEVEL', LEVELS, 'info'),
    logFormat: oneOf(env, 'LOG_FORMAT', ['json', 'pretty', 'auto'], 'auto') as Config['logFormat'],
    baileysLogLevel: oneOf(env, 'BAILEYS_LOG_LEVEL', LEVELS, 'error'),
    ...waServer(env),
    keepAliveIntervalMs: int(env, 'KEEPALIVE_INTERVAL_MS', 30_000, 500),
    watchdogMs: int(env, 'WATCHDOG_MS', 90_000, 1_000),
    reconnectBaseMs: int(env, 'RECONNECT_BASE_MS', 1_000, 10),
    reconnectMaxMs: int(env, 'RECONNECT_MAX_MS', 60_000, 10),
    pairingCodeTtlMs: int(env, 'PAIRING_CODE_TTL_MS', 180_000, 1_000),
    printQr: flag(env, 'PRINT_QR', false),
    browserName: env.BROWSER_NAME || 'Zapgate',
    pacing: {
      minDelayMs: int(env, 'PACING_MIN_DELAY_MS', 3_000),
      maxDelayMs: int(env, 'PACING_MAX_DELAY_MS', 8_000),
      typing: flag(env, 'PACING_TYPING', true),
      dailyLimit: int(env, 'PACING_DAILY_LIMIT', 1_000),
      warmupStart: int(env, 'PACING_WARMUP_START', 50),
    },
    sendRetry: {
      baseMs: int(env, 'SEND_RETRY_BASE_MS', 2_000, 1),
      maxMs: int(env, 'SEND_RETRY_MAX_MS', 300_000, 1),
      maxAttempts: int(env, 'SEND_MAX_ATTEMPTS', 8, 1),
    },
    retentionDays: int(env, 'MESSAGES_RETENTION_DAYS', 7),
    allowPrivateUrls: flag(env, 'ALLOW_PRIVATE_URLS', false) || flag(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    linkPreviews: flag(env, 'LINK_PREVIEWS', false),
    inboundMediaMaxBytes: int(env, 'INBOUND_MEDIA_MAX_BYTES', 64 * 1024 * 1024),
    webhook: {
      timeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 100),
      maxAgeMs: int(env, 'WEBHOOK_MAX_AGE_HOURS', 24, 1) * 3_600_000,
      retryBaseMs: int(env, 'WEBHOOK_RETRY_BASE_MS', 5_000, 10),
      retryMaxMs: int(env, 'WEBHOOK_RETRY_MAX_MS', 3_600_000, 10),
    },
    metricsToken: env.METRICS_TOKEN || undefined,
    metricsPublic: metricsPublic(env),
    fleet: fleet(env),
    http: httpConfig(env),
  });
}
