/**
 * The simulator as a standalone process (`npm run sim`). Configured by environment variables:
 *
 * - `SIM_PORT`, `SIM_ADMIN_PORT`: ports of the WhatsApp socket and of the admin API (unset: free ones)
 * - `SIM_TLS=1`: serve the socket as `wss://` with the generated certificate
 * - `SIM_ROOT_PRIVATE_KEY`: base64 of the 32-byte root private key, to keep one root across runs
 * - `SIM_HISTORY_CHATS`, `SIM_HISTORY_MESSAGES`: size of the history sync at a device's first login
 * - `SIM_LOG=1`: simulator events on stderr, one JSON object a line
 * - `SIM_INFO_FILE`: a path to write the full info (with `tlsCert`) to, as JSON
 * - `SIM_STATE_DIR` (or `--state-dir DIR`): keep the root key, accounts, linked devices and contacts
 *   in that directory, so a restart keeps every link (off when unset)
 *
 * Once listening it prints ONE line of JSON on stdout (`wsUrl`, `adminUrl`, `mediaHost`, `rootPublicKey`)
 * for a parent process to parse, then a human-readable summary on stderr. A bad variable is reported
 * on stderr with exit code 2; SIGINT and SIGTERM (or the loss of a parent's IPC channel) close it cleanly.
 */
import { generateKeyPairSync } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RunningSimulator, SimulatorInfo, SimulatorOptions } from './simulator.ts';

const EXIT_BAD_CONFIG = 2;
const EXIT_FAILED = 1;
/** Below the 5 s after which `spawnSimulator().stop()` sends SIGKILL. */
const CLOSE_GRACE_MS = 4_000;
const MAX_HISTORY = 10_000;
const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['', '0', 'false', 'no', 'off'];

class ConfigError extends Error {}

interface CliConfig {
  options: SimulatorOptions;
  /** The root private key in use: given, or generated here so it can be shown for the next run. */
  rootPrivateKey: string;
  rootGiven: boolean;
  log: boolean;
  infoFile: string | undefined;
  stateDir: string | undefined;
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, min: number, max: number, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return value;
}

function flagVar(env: Env, name: string): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (TRUE_WORDS.includes(raw)) return true;
  if (FALSE_WORDS.includes(raw)) return false;
  throw new ConfigError(`${name} must be 1 or 0 (or true/false), got ${JSON.stringify(env[name])}`);
}

/** A Curve25519 private key as libsignal keeps it: the raw 32 bytes, base64. */
function newRootPrivateKey(): string {
  const der = generateKeyPairSync('x25519').privateKey.export({ format: 'der', type: 'pkcs8' });
  return der.subarray(der.length - 32).toString('base64');
}

function rootKeyVar(env: Env): string | undefined {
  const raw = env.SIM_ROOT_PRIVATE_KEY?.trim();
  if (raw === undefined || raw === '') return undefined;
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(raw) ? Buffer.from(raw, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32)
    throw new ConfigError('SIM_ROOT_PRIVATE_KEY must be the base64 of exactly 32 bytes (a Curve25519 key)');
  return bytes.toString('base64');
}

/** `--state-dir DIR` or `--state-dir=DIR` on the command line, else `SIM_STATE_DIR`. */
function stateDirOption(env: Env, argv: string[]): string | undefined {
  const at = argv.findIndex((a) => a === '--state-dir' || a.startsWith('--state-dir='));
  const raw = at < 0 ? env.SIM_STATE_DIR : argv[at]?.includes('=') ? argv[at]?.split('=')[1] : argv[at + 1];
  if (at >= 0 && !raw?.trim()) throw new ConfigError('--state-dir takes a directory');
  return raw?.trim() ? resolve(raw.trim()) : undefined;
}

function parseEnv(env: Env, argv: string[] = []): CliConfig {
  const port = intVar(env, 'SIM_PORT', 0, 65_535, 0);
  const adminPort = intVar(env, 'SIM_ADMIN_PORT', 0, 65_535, 0);
  if (port !== 0 && port === adminPort)
    throw new ConfigError(`SIM_PORT and SIM_ADMIN_PORT must differ (both are ${port})`);
  const given = rootKeyVar(env);
  const infoFile = env.SIM_INFO_FILE?.trim();
  const stateDir = stateDirOption(env, argv);
  const options: SimulatorOptions = {
    port,
    adminPort,
    tls: flagVar(env, 'SIM_TLS'),
    historySync: {
      chats: intVar(env, 'SIM_HISTORY_CHATS', 0, MAX_HISTORY, 0),
      messagesPerChat: intVar(env, 'SIM_HISTORY_MESSAGES', 0, MAX_HISTORY, 0),
    },
    ...(stateDir ? { stateDir } : {}),
  };
  return {
    options,
    rootPrivateKey: given ?? newRootPrivateKey(),
    rootGiven: given !== undefined,
    log: flagVar(env, 'SIM_LOG'),
    infoFile: infoFile ? resolve(infoFile) : undefined,
    stateDir,
  };
}

const jsonSafe = (_key: string, value: unknown): unknown =>
  typeof value === 'bigint' ? value.toString() : value;

function logLine(event: string, data: Record<string, unknown> = {}): void {
  let line: string;
  try {
    line = JSON.stringify({ time: new Date().toISOString(), event, ...data }, jsonSafe);
  } catch {
    line = JSON.stringify({ time: new Date().toISOString(), event, unserializable: true });
  }
  process.stderr.write(`${line}\n`);
}

/** Written to a temporary name first, so a watcher never reads half a file. */
async function writeInfoFile(path: string, info: SimulatorInfo): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(info, null, 2)}\n`);
  await rename(temp, path);
}

function describe(info: SimulatorInfo, config: CliConfig): string {
  const lines = [
    '',
    'Zapgate WhatsApp simulator is running',
    `  socket     ${info.wsUrl}`,
    `  admin API  ${info.adminUrl}   (GET /info gives all of this, with the TLS certificate)`,
    `  media      https://${info.mediaHost}`,
    `  root key   ${info.rootPublicKey}`,
    '',
    'To point Baileys at it, in the process that will connect:',
    `  WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from('${info.rootPublicKey}', 'base64')`,
    `  makeWASocket({ waWebSocketUrl: '${info.wsUrl}', ... })`,
    `  and trust the self-signed certificate of the media host${config.options.tls ? ' and the socket' : ''}:`,
    '  pass tlsCert from GET /info as `ca` to the fetchAgent (and to `agent` for wss://).',
    config.stateDir
      ? `  The root key, accounts, linked devices and contacts are kept in ${config.stateDir}.`
      : config.rootGiven
        ? '  The root comes from SIM_ROOT_PRIVATE_KEY and stays the same across runs.'
        : `  To keep this root across runs: SIM_ROOT_PRIVATE_KEY=${config.rootPrivateKey} (or --state-dir DIR to keep everything)`,
    config.infoFile ? `  Full info written to ${config.infoFile}` : undefined,
    '',
    'Ctrl-C to stop.',
    '',
  ];
  return lines.filter((l) => l !== undefined).join('\n');
}

function failedToStart(err: unknown, config: CliConfig): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE')
    return `a port is already in use (SIM_PORT=${config.options.port}, SIM_ADMIN_PORT=${config.options.adminPort})`;
  if (code === 'EACCES') return 'not allowed to listen on the requested port';
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

/**
 * Stops on SIGINT, SIGTERM or the loss of a parent's IPC channel, from the very start: a signal during
 * start-up exits at once, later ones close the simulator first. A second signal, or a stuck close, exits.
 */
function stopOnSignals(log: boolean): { started(sim: RunningSimulator): void } {
  let running: RunningSimulator | undefined;
  let closing = false;
  const stop = (why: string) => {
    if (closing || !running) process.exit(closing ? EXIT_FAILED : 0);
    closing = true;
    if (log) logLine('stopping', { reason: why });
    setTimeout(() => {
      process.stderr.write(`zapgate-sim: not closed after ${CLOSE_GRACE_MS} ms, exiting anyway\n`);
      process.exit(EXIT_FAILED);
    }, CLOSE_GRACE_MS).unref();
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`zapgate-sim: error while closing: ${String(err)}\n`);
        process.exit(EXIT_FAILED);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Started with an IPC channel (see child-process.ts): do not outlive the parent.
  if (process.channel) process.on('disconnect', () => stop('parent gone'));
  return {
    started: (sim) => {
      running = sim;
    },
  };
}

function readConfig(): CliConfig {
  try {
    return parseEnv(process.env, process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`zapgate-sim: ${err.message}\n`);
    process.exit(EXIT_BAD_CONFIG);
  }
}

async function start(config: CliConfig): Promise<RunningSimulator> {
  const { startSimulator } = await import('./simulator.ts');
  try {
    return await startSimulator({
      ...config.options,
      // with a state directory, the root kept there wins over a generated one
      ...(config.rootGiven || !config.stateDir ? { rootPrivateKey: config.rootPrivateKey } : {}),
      ...(config.log ? { log: logLine } : {}),
    });
  } catch (err) {
    process.stderr.write(`zapgate-sim: could not start: ${failedToStart(err, config)}\n`);
    process.exit(EXIT_FAILED);
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const signals = stopOnSignals(config.log);
  process.stdout.on('error', () => {});
  const sim = await start(config);
  signals.started(sim);
  const { wsUrl, adminUrl, mediaHost, rootPublicKey } = sim.info;
  if (config.infoFile) {
    try {
      await writeInfoFile(config.infoFile, sim.info);
    } catch (err) {
      process.stderr.write(`zapgate-sim: could not write SIM_INFO_FILE: ${String(err)}\n`);
      await sim.close();
      process.exit(EXIT_FAILED);
    }
  }
  process.stdout.write(`${JSON.stringify({ wsUrl, adminUrl, mediaHost, rootPublicKey })}\n`);
  process.stderr.write(describe(sim.info, config));
  if (config.log) logLine('listening', { wsUrl, adminUrl, mediaHost });
}

await main();
