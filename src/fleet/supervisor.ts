import { type ChildProcess, spawn } from 'node:child_process';
import type { Config } from '../config.ts';
import type { Logger } from '../observability/logger.ts';

const RESTART_DELAY_MS = 1_000;
const STOP_GRACE_MS = 20_000;

/**
 * `serve --workers N`: one API process and N worker processes of this same program on this
 * machine. A worker that dies is started again; SIGTERM is passed on to every child.
 */
export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;

  constructor(
    private readonly config: Readonly<Config>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.spawn('api', {});
    for (let i = 0; i < this.config.fleet.workers; i++)
      this.spawn(`worker-${i + 1}`, { WORKER_PORT: String(this.config.fleet.workerPort + i) });
  }

  private spawn(name: string, env: Record<string, string>): void {
    const role = name === 'api' ? 'api' : 'worker';
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1] ?? '', role], {
      env: { ...process.env, ...env, WORKERS: '0', NODE_ID: `${this.config.fleet.nodeId}-${name}` },
      stdio: 'inherit',
    });
    this.children.set(name, child);
    this.logger.info({ name, pid: child.pid }, 'supervisor: started');
    child.once('exit', (code, signal) => {
      this.children.delete(name);
      if (this.stopping) return;
      this.logger.error({ name, code, signal }, 'supervisor: a process died; starting it again');
      setTimeout(() => {
        if (!this.stopping) this.spawn(name, env);
      }, RESTART_DELAY_MS);
    });
  }

  /** Passes SIGTERM to every child and waits for them (SIGKILL after a grace period). */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children.values()].map(
        (child) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
            child.once('exit', () => {
              clearTimeout(killer);
              done();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }

  /** The pid of each child, by name (`api`, `worker-1`…). */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.children].map(([name, child]) => [name, child.pid]));
  }
}
