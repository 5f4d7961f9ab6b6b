import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Distinct statements kept prepared; the queries a running gateway repeats number a few hundred.
 * Past it the cache starts afresh: a plain map's look-up is what each statement pays (an LRU's
 * bookkeeping cost as much as 1.5 % of a receiving gateway's CPU).
 */
const MAX_STATEMENTS = 1_000;

/**
 * The database as Kysely's SQLite dialect sees it, with each statement prepared once per SQL text
 * and reused: Kysely prepares every query anew, which cost about a millisecond of CPU per message
 * sent. Safe because the dialect runs one query at a time and never streams here.
 */
export function withStatementCache(sqlite: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (statements.size >= MAX_STATEMENTS) statements.clear();
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}
