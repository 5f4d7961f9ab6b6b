import type BetterSqlite3 from 'better-sqlite3';
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import { MIGRATIONS } from './migrations/index.ts';

export type StoreLogger = (msg: string, data?: object) => void;

const provider: MigrationProvider = {
  getMigrations: async (): Promise<Record<string, Migration>> => ({ ...MIGRATIONS }),
};

/**
 * Applies every pending migration and returns the names applied now. PostgreSQL migrates in a
 * transaction under Kysely's advisory lock; on SQLite (where Kysely does not wrap migrations) the
 * whole run is one `BEGIN IMMEDIATE` transaction, so two processes opening one file cannot both
 * migrate it and a failed migration leaves nothing behind.
 */
export async function runMigrations(
  db: Kysely<unknown>,
  sqlite: BetterSqlite3.Database | undefined,
  logger?: StoreLogger,
): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  if (!sqlite) return applyLatest(migrator, logger);
  sqlite.exec('BEGIN IMMEDIATE');
  try {
    const applied = await applyLatest(migrator, logger);
    sqlite.exec('COMMIT');
    return applied;
  } catch (error) {
    if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
    throw error;
  }
}

async function applyLatest(migrator: Migrator, logger?: StoreLogger): Promise<string[]> {
  const { error, results = [] } = await migrator.migrateToLatest();
  const failed = results.find((r) => r.status === 'Error');
  if (error || failed) {
    const name = failed ? ` ${failed.migrationName}` : '';
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`database migration${name} failed: ${reason}`, { cause: error });
  }
  const applied = results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
  for (const name of applied) logger?.('store: migration applied', { migration: name });
  return applied;
}
