import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

/**
 * A consistent copy of a stopped gateway's SQLite database (`sqlite://…`), as `zapgate.db` in a new
 * data directory of its own: a second gateway can start on it beside the first. Returns the
 * directory and the copy's database URL.
 */
export async function copyOfSqliteDatabase(databaseUrl: string): Promise<{ dataDir: string; url: string }> {
  if (!databaseUrl.startsWith('sqlite://')) throw new Error(`not a SQLite database: ${databaseUrl}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'zg-gw-copy-'));
  const file = join(dataDir, 'zapgate.db');
  const db = new Database(databaseUrl.slice('sqlite://'.length), { readonly: true, fileMustExist: true });
  try {
    await db.backup(file);
  } finally {
    db.close();
  }
  return { dataDir, url: `sqlite://${file}` };
}
