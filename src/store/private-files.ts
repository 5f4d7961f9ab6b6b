import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

/** Credentials, keys and message history: readable by the gateway's own user only. */
const PRIVATE_FILE = 0o600;
const PRIVATE_DIR = 0o700;

/**
 * Creates `dir` and any missing parents as 0700. Directories that were already there keep their
 * mode: an operator's volume or /var/lib folder is theirs to set.
 */
export function ensurePrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  if (!first) return;
  // mkdir's mode is masked by the umask; set it outright on each directory made here
  const made = relative(first, dir).split(sep).filter(Boolean);
  let path = first;
  chmodSync(path, PRIVATE_DIR);
  for (const part of made) {
    path = join(path, part);
    chmodSync(path, PRIVATE_DIR);
  }
}

/**
 * Makes sure a SQLite database file exists as 0600 before SQLite opens it: SQLite creates the
 * -wal and -shm files with the database file's mode, so they follow. A database (and its -wal,
 * -shm) left readable by others by an older version is narrowed to 0600.
 */
export function preparePrivateDatabaseFile(path: string): void {
  ensurePrivateDir(dirname(path));
  if (!existsSync(path)) closeSync(openSync(path, 'a', PRIVATE_FILE));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) narrowToOwner(file);
}

/**
 * Drops the group and other bits of a file that exists. Best effort: a file this user may use but
 * does not own (EPERM) keeps its mode rather than stop the gateway from starting.
 */
export function narrowToOwner(file: string): void {
  if (!existsSync(file)) return;
  const mode = statSync(file).mode & 0o777;
  if (!(mode & 0o077)) return;
  try {
    chmodSync(file, mode & 0o700);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}
