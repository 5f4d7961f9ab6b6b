import { type Kysely, PostgresAdapter } from 'kysely';

/**
 * Whether a migration runs on PostgreSQL. Nearly all DDL goes through Kysely's portable schema
 * builder; only auto-increment keys are spelled differently (identity vs. SQLite's autoincrement).
 */
export function isPostgres(db: Kysely<unknown>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
