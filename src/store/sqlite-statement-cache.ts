import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { LRUCache } from 'lru-cache';

/** Distinct statements kept prepared; the queries a running gateway repeats number a few hundred. */
const MAX_STATEMENTS = 1_000;

/**
 * The database as Kysely's SQLite dialect sees it, with each statement prepared once per SQL text
 * and reused: Kysely prepares every query anew, which cost about a millisecond of CPU per message
 * sent. Safe because the dialect runs one query at a time and never streams here.
 */
export function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const statements = new LRUCache<string, BetterSqlite3.Statement>({ max: MAX_STATEMENTS });
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
