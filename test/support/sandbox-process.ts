import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY, freePort, PACING_OFF } from './gateway-harness.ts';
import { ApiClient } from './http-client.ts';
import { zapgateArgs } from './zapgate-command.ts';

const START_TIMEOUT_MS = 90_000;

/** `zapgate sandbox` as an operator runs it: the real CLI in a child process. */
export interface SandboxProcess {
  /** The gateway's base URL, e.g. `http://127.0.0.1:4321`. */
  url: string;
  api: ApiClient;
  /** The in-process simulator's admin API. */
  simUrl: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, as Ctrl-C would, and waits for the exit. */
  stop(): Promise<void>;
}

export interface SandboxOptions {
  /** Where it runs: its relative `./data/sandbox` lives there. */
  cwd: string;
  env?: Record<string, string>;
  /** Pacing off unless a test wants the defaults. */
  pacing?: boolean;
  /** No API_KEY: the sandbox generates its admin key and keeps it in `data/sandbox/admin-api-key`. */
  generatedKey?: boolean;
}

const SIM_URL = /admin API (http:\/\/127\.0\.0\.1:\d+)/;

/**
 * Starts the sandbox; resolves once it printed its quick start (the last thing it prints at start),
 * fails at once if it exits first.
 */
export async function startSandboxProcess(options: SandboxOptions): Promise<SandboxProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, zapgateArgs('sandbox'), {
    cwd: options.cwd,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      API_KEY: options.generatedKey ? '' : ADMIN_KEY,
      LOG_LEVEL: 'warn',
      ...(options.pacing ? {} : PACING_OFF),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  const ready = new Promise<string>((resolveReady) => {
    const keep = (c: Buffer) => {
      output += c.toString();
      const simUrl = SIM_URL.exec(output)?.[1];
      if (simUrl && output.includes('Sandbox quick start')) resolveReady(simUrl);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  });
  let timer: NodeJS.Timeout | undefined;
  const failed = (why: string) => new Error(`${why}\n--- sandbox output ---\n${output}`);
  try {
    const simUrl = await Promise.race([
      ready,
      exited.then((code) => Promise.reject(failed(`the sandbox exited (${code}) before it was ready`))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(failed('the sandbox did not start in time')), START_TIMEOUT_MS);
      }),
    ]);
    const key = options.generatedKey
      ? readFileSync(join(options.cwd, 'data/sandbox/admin-api-key'), 'utf8').trim()
      : ADMIN_KEY;
    return { url, api: new ApiClient(url, key), simUrl, output: () => output, stop };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
