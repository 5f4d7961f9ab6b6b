import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SimulatorInfo } from './simulator.ts';

export interface SpawnSimulatorOptions {
  /**
   * `SIM_*` variables for the child (see `sim/main.ts`). The rest of this process's environment is
   * passed on, except its own `SIM_*` variables other than `SIM_LOG`.
   */
  env?: Record<string, string>;
  /** How long to wait for the child to print its info (default 30 s). */
  timeoutMs?: number;
}

export interface SpawnedSimulator {
  info: SimulatorInfo;
  adminUrl: string;
  pid: number;
  /** SIGTERM, then SIGKILL if the child is still there after 5 s; resolves once it has exited. */
  stop(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const KILL_AFTER_MS = 5_000;
const STDERR_TAIL_CHARS = 4_000;

/** How to run `sim/main.ts` in a fresh Node process: tsx as a loader, from the project's root. */
export function simulatorCommand(): { command: string; args: string[]; cwd: string } {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return {
    command: process.execPath,
    args: ['--import', tsx, main],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  };
}

function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && (!key.startsWith('SIM_') || key === 'SIM_LOG')) env[key] = value;
  }
  return { ...env, ...extra };
}

const exited = (child: ChildProcess): boolean => child.exitCode !== null || child.signalCode !== null;

function stopper(child: ChildProcess): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= new Promise<void>((resolve) => {
      if (exited(child) || child.pid === undefined) return resolve();
      const killer = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
      child.once('exit', () => {
        clearTimeout(killer);
        resolve();
      });
      child.kill('SIGTERM');
    });
    return stopping;
  };
}

/** Collects the end of what the child writes on stderr (and relays it when `SIM_LOG` is on). */
function tailOf(child: ChildProcess, relay: boolean): () => string {
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    tail = (tail + chunk).slice(-STDERR_TAIL_CHARS);
    if (relay) process.stderr.write(chunk);
  });
  return () => tail.trim();
}

/** Resolves with the first line the child prints on stdout; rejects if it exits or times out first. */
function firstLine(child: ChildProcess, stderrTail: () => string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string) => {
      cleanup();
      const tail = stderrTail();
      reject(new Error(`simulator child ${why}${tail ? `:\n${tail}` : ''}`));
    };
    const onData = (chunk: string) => {
      out += chunk;
      const newline = out.indexOf('\n');
      if (newline < 0) return;
      cleanup();
      resolve(out.slice(0, newline));
    };
    // stderr may still hold the last words of a dying child: read it to the end before reporting.
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      const why = `exited with ${code !== null ? `code ${code}` : `signal ${signal}`} before it was ready`;
      if (child.stderr?.readableEnded !== false) fail(why);
      else child.stderr.once('end', () => fail(why));
    };
    const onError = (err: Error) => fail(`could not be started (${err.message})`);
    const timer = setTimeout(() => fail(`printed nothing within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

function parseAnnouncement(line: string): { adminUrl: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new Error(`simulator child printed something that is not JSON: ${line.slice(0, 200)}`);
  }
  const adminUrl = (parsed as { adminUrl?: unknown } | null)?.adminUrl;
  if (typeof adminUrl !== 'string') throw new Error(`simulator child printed no adminUrl: ${line}`);
  return { adminUrl };
}

async function fetchInfo(adminUrl: string): Promise<SimulatorInfo> {
  const res = await fetch(`${adminUrl}/info`);
  if (!res.ok) throw new Error(`GET ${adminUrl}/info answered ${res.status}`);
  return (await res.json()) as SimulatorInfo;
}

/**
 * Starts the simulator (`sim/main.ts`) as a real child process and resolves once it listens, with its
 * full info (the TLS certificate comes from `GET /info`). The child is tied to this process by an IPC
 * channel: it closes itself if this process goes away without calling `stop()`.
 */
export async function spawnSimulator(opts: SpawnSimulatorOptions = {}): Promise<SpawnedSimulator> {
  const { command, args, cwd } = simulatorCommand();
  const env = childEnv(opts.env);
  const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  const stop = stopper(child);
  const stderrTail = tailOf(child, /^(1|true|yes|on)$/i.test(env.SIM_LOG ?? ''));
  try {
    const line = await firstLine(child, stderrTail, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const { adminUrl } = parseAnnouncement(line);
    const info = await fetchInfo(adminUrl);
    // Keep reading stdout so that a chatty child never blocks on a full pipe.
    child.stdout?.resume();
    return { info, adminUrl, pid: child.pid ?? 0, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
