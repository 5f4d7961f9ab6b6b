import { buildApp, type Gateway, type GatewayOverrides } from './app.ts';
import { rotateMasterKeyCommand } from './cli/rotate-master-key.ts';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { loadDotEnv } from './env-file.ts';
import { Supervisor } from './fleet/supervisor.ts';
import { createLogger } from './observability/logger.ts';
import { runSandbox } from './sandbox/sandbox.ts';
import { adminKeyLine, startBanner } from './start-banner.ts';
import { migrateOnly } from './store/database.ts';
import type { NodeRole } from './store/repositories.ts';

const USAGE = `usage: zapgate <command>
  serve     API and WhatsApp sessions in one process (default);
            serve --workers N: one API process and N worker processes
  api       HTTP, SSE and socket.io only; the instances run on workers (fleet mode)
  worker    sessions, senders and webhooks of the instances it leases (fleet mode)
  migrate   apply database migrations and exit
  sandbox   the gateway wired to a local WhatsApp simulator, for trying flows offline
  rotate-master-key  re-encrypt stored credentials from MASTER_KEY to NEW_MASTER_KEY (gateways stopped)`;

function fail(message: string): never {
  process.stderr.write(`zapgate: ${message}\n`);
  process.exit(2);
}

function config(overrides: Record<string, string | undefined> = {}): Readonly<Config> {
  try {
    return loadConfig({ ...process.env, ...overrides });
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message);
    throw err;
  }
}

/**
 * Stops cleanly on SIGTERM/SIGINT: sockets are closed, not unlinked, so a restart logs straight in.
 * A second signal while that runs (a second Ctrl-C) exits at once, as 128 + the signal's number.
 */
function handleSignals(stop: () => Promise<void>, log: (msg: string) => void): void {
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        log(`${signal} during shutdown: exiting now`);
        process.exit(signal === 'SIGINT' ? 130 : 143);
      }
      stopping = true;
      log(`${signal}: shutting down`);
      stop()
        .then(() => process.exit(0))
        .catch(() => process.exit(1));
    });
  }
}

async function serve(
  cfg: Readonly<Config>,
  banner: string[] = [],
  role: NodeRole = 'serve',
  overrides: GatewayOverrides = {},
): Promise<Gateway> {
  const gateway = await buildApp(cfg, { role, ...overrides });
  const { logger } = gateway;
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  process.on('uncaughtException', (err) => logger.error({ err }, 'uncaught exception'));
  const url = await gateway.start();
  const facts = { url, dataDir: cfg.dataDir, adminKey: gateway.adminKey, keyFromEnvironment: !!cfg.apiKey };
  const lines =
    role === 'worker'
      ? [`Zapgate worker ${cfg.fleet.nodeId}: health and metrics on ${url}`, ...banner]
      : [...startBanner(facts), ...banner];
  if (role === 'worker' && gateway.adminKey.created) lines.push(adminKeyLine(facts));
  process.stderr.write(`${lines.join('\n')}\n`);
  handleSignals(
    () => gateway.stop(),
    (m) => logger.info(m),
  );
  return gateway;
}

async function sandbox(): Promise<void> {
  await runSandbox({ config, serve: (cfg, banner, overrides) => serve(cfg, banner, 'serve', overrides) });
}

/** `--workers N` or `--workers=N` after `serve`. */
function workersFlag(args: string[]): number | undefined {
  const at = args.findIndex((a) => a === '--workers' || a.startsWith('--workers='));
  if (at < 0) return undefined;
  const raw = args[at]?.includes('=') ? args[at]?.split('=')[1] : args[at + 1];
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) fail(`--workers takes a whole number, got "${raw ?? ''}"`);
  return n;
}

/** The migrations run once, here, before the API and worker processes open the database. */
async function supervise(cfg: Readonly<Config>): Promise<void> {
  await migrateOnly(cfg.databaseUrl);
  const logger = createLogger(cfg.logLevel, undefined, cfg.logFormat);
  const supervisor = new Supervisor(cfg, logger);
  supervisor.start();
  process.stderr.write(
    `Zapgate: 1 API process and ${cfg.fleet.workers} worker processes (serve --workers)\n`,
  );
  handleSignals(
    () => supervisor.stop(),
    (m) => logger.info(m),
  );
}

async function main(): Promise<void> {
  loadDotEnv();
  const command = process.argv[2] ?? 'serve';
  if (command === 'serve') {
    const workers = workersFlag(process.argv.slice(3));
    const cfg = config(workers === undefined ? {} : { WORKERS: String(workers) });
    if (cfg.fleet.workers > 0) await supervise(cfg);
    else await serve(cfg);
  } else if (command === 'api' || command === 'worker') {
    await serve(config(), [], command);
  } else if (command === 'migrate') {
    const applied = await migrateOnly(config().databaseUrl);
    process.stderr.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
  } else if (command === 'rotate-master-key') {
    process.exitCode = await rotateMasterKeyCommand(process.argv.slice(3), process.env);
  } else if (command === 'sandbox') {
    await sandbox();
  } else if (command === 'help' || command === '--help') {
    process.stdout.write(`${USAGE}\n`);
  } else {
    fail(`unknown command "${command}"\n${USAGE}`);
  }
}

main().catch((err) => {
  createLogger('error', undefined, 'auto').fatal({ err }, 'zapgate failed to start');
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
});
