import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
} from 'kysely';

/** How long a transaction waits for another process's write lock before it fails. */
const LOCK_WAIT_MS = 30_000;
/** While a transaction waits for the lock, each try blocks the thread at most this long. */
const TRY_BLOCKS_MS = 5;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * SQLite with every transaction begun `immediate`, waiting for the write lock without holding up
 * the thread. The API and the worker of a split gateway write one file from two processes.
 * Kysely begins transactions deferred, taking the lock at the first write: one that read first,
 * when the other process committed meanwhile, failed at once with "database is locked" (waiting
 * cannot help a stale snapshot). And SQLite's busy timeout sleeps the whole thread: an API waiting
 * for a busy worker answered nothing else, and failed after 5 s (a 500 on a send). Here the
 * lock is taken at `begin`, tried with a busy timeout of a few milliseconds, and between tries the
 * event loop runs on, up to 30 s. Statements outside a transaction keep the connection's timeout.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  /** The busy timeout of a try, and back to the connection's: prepared once (a pragma() prepares anew). */
  private readonly tryTimeout: BetterSqlite3.Statement;
  private readonly usualTimeout: BetterSqlite3.Statement;

  constructor(config: SqliteDialectConfig, sqlite: BetterSqlite3.Database, busyTimeoutMs: number) {
    super(config);
    this.tryTimeout = sqlite.prepare(`pragma busy_timeout = ${TRY_BLOCKS_MS}`);
    this.usualTimeout = sqlite.prepare(`pragma busy_timeout = ${busyTimeoutMs}`);
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = (connection: DatabaseConnection) => this.beginImmediate(connection);
    return driver;
  }

  private async beginImmediate(connection: DatabaseConnection): Promise<void> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      this.tryTimeout.get();
      try {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw err;
      } finally {
        this.usualTimeout.get();
      }
      await pause(Math.min(50, 2 ** attempt));
    }
  }
}
