import { type Kysely, PostgresAdapter } from 'kysely';
import { Errors } from '../../errors.ts';
import { transact } from '../group-commit.ts';
import type { Database } from '../schema.ts';

/** Row ↔ domain helpers shared by the repositories. */

export const toDate = (millis: number): Date => new Date(Number(millis));

export const toDateOrNull = (millis: number | null): Date | null => (millis === null ? null : toDate(millis));

export const toMillisOrNull = (date: Date | null): number | null => (date === null ? null : date.getTime());

/** A JSON object column; anything else stored there reads back as an empty object. */
export function parseObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Splits a list so that no statement exceeds a dialect's bound-parameter limit. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A unique or primary-key violation, on SQLite (better-sqlite3) or PostgreSQL (pg). */
export function isUniqueViolation(error: unknown): boolean {
  if (error === null || typeof error !== 'object' || !('code' in error)) return false;
  const { code } = error;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A row refers to a parent row that does not exist (e.g. an API key of an unknown tenant). */
export function isForeignKeyViolation(error: unknown): boolean {
  if (error === null || typeof error !== 'object' || !('code' in error)) return false;
  return error.code === '23503' || error.code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Rows affected, from Kysely's bigint counters. */
export const affected = (result: { numDeletedRows?: bigint; numUpdatedRows?: bigint }): number =>
  Number(result.numDeletedRows ?? result.numUpdatedRows ?? 0n);

/** Whether the database is PostgreSQL (row locks such as FOR UPDATE exist only there). */
export const isPostgres = (db: Kysely<Database>): boolean =>
  db.getExecutor().adapter instanceof PostgresAdapter;

/**
 * Runs `work` in a transaction: a new one, or the one `db` already is when the repository was
 * bound to a transaction by `Store.transaction` (Kysely does not nest transactions).
 */
export function inTransaction<T>(
  db: Kysely<Database>,
  work: (trx: Kysely<Database>) => Promise<T>,
): Promise<T> {
  return db.isTransaction ? work(db) : transact(db, work);
}

/** An opaque page cursor for a position in a `seq`-ordered list. */
export const encodeCursor = (seq: number): string => Buffer.from(`s${seq}`, 'utf8').toString('base64url');

/** The `seq` a cursor from `encodeCursor` stands for; throws a validation error for anything else. */
export function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^s(\d{1,15})$/.exec(text);
  const seq = match ? Number(match[1]) : Number.NaN;
  if (!Number.isSafeInteger(seq)) throw Errors.validation('cursor is not one this API returned');
  return seq;
}
