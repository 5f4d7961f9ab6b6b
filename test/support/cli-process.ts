import { type ChildProcess, spawn } from 'node:child_process';
import { eventually } from './http-client.ts';
import { zapgateArgs } from './zapgate-command.ts';

/** `zapgate <command>` run from a directory of the test's choosing, its two streams kept apart. */
export class CliProcess {
  stdout = '';
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<number | null>;

  constructor(cwd: string, env: Record<string, string | undefined>, command = 'serve') {
    this.child = spawn(process.execPath, zapgateArgs(command), {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.on('data', (c: Buffer) => {
      this.stdout += c.toString();
    });
    this.child.stderr?.on('data', (c: Buffer) => {
      this.stderr += c.toString();
    });
    this.exited = new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  /** Resolves once `GET /health` on `port` answers; fails at once if the process exits first. */
  async listening(port: number): Promise<string> {
    const url = `http://127.0.0.1:${port}`;
    const up = eventually(
      `the gateway to listen on ${port} (stderr: ${this.stderr.slice(-500)})`,
      async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok,
      90_000, // a start on a loaded machine (tsx compiling) can take half a minute
    );
    const exited = this.exited.then((code) => {
      throw new Error(`zapgate exited with ${code} before listening: ${this.stderr.slice(-2000)}`);
    });
    await Promise.race([up, exited]);
    return url;
  }

  /** Waits until `stream` (stdout: the logs; stderr: the banner) holds a match of `pattern`. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<string> {
    return eventually(
      `${stream} to match ${pattern} (${stream}: ${this[stream].slice(-500)})`,
      () => pattern.exec(this[stream])?.[0],
    );
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
