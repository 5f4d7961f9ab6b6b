import { CompiledQuery, type DatabaseConnection, type Driver, SqliteDialect } from 'kysely';

/**
 * SQLite with every transaction begun `immediate`: it takes the write lock at its start, waiting
 * for it (busy_timeout) while another process writes. Kysely begins them deferred, which takes
 * the lock at the first write: a transaction that read first, while another process (the API and
 * the worker of a split gateway share the file) committed meanwhile, then fails at once with
 * SQLITE_BUSY, the busy timeout never consulted, since waiting cannot help a stale snapshot.
 * Every transaction here writes, so nothing is serialised that was not already.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection: DatabaseConnection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
}
