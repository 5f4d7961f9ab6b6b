import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';
import type { StoreLogger } from './migrate.ts';

/** How often the thread copies the WAL back into the database file. */
const EVERY_MS = 200;
/** SQLite's own default: a checkpoint in the commit that takes the WAL past this many pages. */
const AUTOCHECKPOINT_PAGES = 1000;

/**
 * The thread's code, CommonJS as an eval'd worker is (so that it runs the same from the sources
 * and from a bundle): its own connection, a PASSIVE checkpoint (which never waits for nor blocks
 * the writer) every EVERY_MS, and a clean close when asked.
 */
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 5000');
db.pragma('synchronous = ' + workerData.synchronous);
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message || error) });
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * WAL checkpoints on a thread of their own. SQLite copies the WAL back into the database file in
 * the commit that takes it past 1,000 pages, on the connection that commits: on the event loop,
 * with its fsyncs. Receiving at rate, that was 60 % of the time commits took (2.1 ms a commit,
 * 0.8 ms without). Here the writer never checkpoints; a worker thread does, with a connection
 * of its own, on the other core when there is one. Should the thread fail, the writer takes the
 * checkpoints back, as SQLite does by default.
 */
export class SqliteCheckpointer {
  private ended = false;

  private constructor(
    private readonly worker: Worker,
    private readonly writer: BetterSqlite3.Database,
  ) {
    worker.once('exit', () => {
      this.ended = true;
    });
  }

  static start(
    writer: BetterSqlite3.Database,
    path: string,
    synchronous: 'normal' | 'full',
    logger?: StoreLogger,
  ): SqliteCheckpointer {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(THREAD, {
      eval: true,
      workerData: { driver, path, synchronous, everyMs: EVERY_MS },
    });
    worker.unref();
    writer.pragma('wal_autocheckpoint = 0');
    let fellBack = false;
    // a thread that throws ends with an error and then exits with code 1: one fallback for both
    const fallBack = (why: string) => {
      if (fellBack || !writer.open) return;
      fellBack = true;
      writer.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
      logger?.('store: the checkpoint thread stopped; commits checkpoint again', { why });
    };
    worker.on('message', (m: { error?: string }) => {
      if (m.error) logger?.('store: a WAL checkpoint failed', { error: m.error });
    });
    worker.on('error', (error) => fallBack(error.message));
    worker.on('exit', (code) => {
      if (code !== 0) fallBack(`exit code ${code}`);
    });
    return new SqliteCheckpointer(worker, writer);
  }

  /** Closes the thread's connection; the writer's close then does the last checkpoint itself. */
  async stop(): Promise<void> {
    if (this.ended) return;
    const exited = once(this.worker, 'exit');
    // unref'd while it runs, so that it never keeps a process alive; its exit is waited for here
    this.worker.ref();
    this.worker.postMessage('stop');
    await exited;
    if (this.writer.open) this.writer.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
  }
}
