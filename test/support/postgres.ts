import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';

export interface TestPostgres {
  /** A fresh, empty database. */
  url: string;
  stop(): Promise<void>;
}

const SERVER_SCRIPT = resolve(import.meta.dirname, 'embedded-postgres-server.ts');
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 15_000;

/**
 * A fresh PostgreSQL database: a new database on `TEST_DATABASE_URL` when it is set, else a
 * private embedded-postgres cluster in a child process (own temp dir and port).
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  return serverUrl ? createDatabaseOn(serverUrl) : startEmbeddedChild();
}

async function createDatabaseOn(serverUrl: string): Promise<TestPostgres> {
  const name = `zg_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    stop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(serverUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * The cluster runs in `embedded-postgres-server.ts`, never in this process: embedded-postgres'
 * exit hook would turn this process's failing exit code into 0.
 */
async function startEmbeddedChild(): Promise<TestPostgres> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER_SCRIPT], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    if (child.connected) child.send('stop');
    else child.kill('SIGTERM');
    await exited;
    clearTimeout(killer);
  };
  const hello = await new Promise<{ url?: string; error?: string }>((answer, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error('embedded PostgreSQL did not start in time')),
      START_TIMEOUT_MS,
    );
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      out += chunk;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      answer(JSON.parse(out.slice(0, nl)) as { url?: string; error?: string });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`embedded PostgreSQL exited (${code ?? signal}) before it started`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });
  if (!hello.url) {
    await stop();
    throw new Error(`embedded PostgreSQL did not start: ${hello.error ?? 'no answer'}`);
  }
  child.stdout?.resume();
  return { url: hello.url, stop };
}
