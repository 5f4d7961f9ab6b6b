/**
 * Redis for the peer stack of bench/peer-bullmq.ts: Debian's `redis-server` (apt-get install -y
 * redis-server) as a child process on a loopback port, with the append-only file fsynced every
 * second, its files in a temporary directory removed at the end.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/support/gateway-harness.ts';
import { onCleanup } from '../support/run.ts';

export interface RedisServer {
  pid: number;
  port: number;
  /** `INFO persistence` and `INFO memory` fields that say what Redis did on the side. */
  info(): Record<string, string>;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'peer-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'everysec',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitReady(child);
  const stop = () => stopRedis(child, dir);
  onCleanup('redis-server', stop);
  const cli = (...args: string[]) =>
    execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  return {
    pid: child.pid ?? 0,
    port,
    info: () => parseInfo(cli('INFO', 'persistence') + cli('INFO', 'memory')),
    stop,
  };
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server not ready: ${out}`)), READY_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`redis-server did not start (apt-get install -y redis-server): ${err.message}`));
    });
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out = (out + chunk).slice(-4000);
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.stderr?.resume();
  });
}

/** SIGKILL, no final save: the run's data is thrown away with its directory. */
function stopRedis(child: ChildProcess, dir: string): Promise<void> {
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited.then(() => rmSync(dir, { recursive: true, force: true }));
}

const KEPT_FIELDS = [
  'aof_rewrites',
  'rdb_saves',
  'aof_current_size',
  'used_memory_human',
  'used_memory_peak_human',
];

function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const [key, value] = line.split(':');
    if (key && value !== undefined && KEPT_FIELDS.includes(key)) fields[key] = value;
  }
  return fields;
}

/**
 * CPU seconds of the children Redis forked and reaped (an RDB save or an AOF rewrite), from the
 * cutime and cstime fields of /proc/<pid>/stat: not in the process's own utime and stime.
 */
export function reapedChildrenCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}
