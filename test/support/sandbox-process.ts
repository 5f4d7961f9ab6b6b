import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ADMIN_KEY, freePort, PACING_OFF } from './gateway-harness.ts';
import { ApiClient, eventually } from './http-client.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

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
}

/** Starts the sandbox and resolves once the gateway listens and the simulator's admin URL is printed. */
export async function startSandboxProcess(options: SandboxOptions): Promise<SandboxProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', TSX, join(ROOT, 'src/main.ts'), 'sandbox'],
    {
      cwd: options.cwd,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        API_KEY: ADMIN_KEY,
        LOG_LEVEL: 'warn',
        ...(options.pacing ? {} : PACING_OFF),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const keep = (c: Buffer) => {
    output += c.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise((r) => child.once('exit', r));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    const simUrl = await eventually(
      'the sandbox to listen and print the simulator admin URL',
      () =>
        output.includes(`listening on ${url}`) && /admin API (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1],
      30_000,
    );
    return { url, api: new ApiClient(url, ADMIN_KEY), simUrl, output: () => output, stop };
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n--- sandbox output ---\n${output}`);
  }
}
