import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensurePrivateDir, preparePrivateDatabaseFile } from './private-files.ts';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('private files', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'zg-private-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('narrows a database, WAL and shared memory that an older version left readable by others', () => {
    const db = join(root, 'zapgate.db');
    for (const file of [db, `${db}-wal`, `${db}-shm`]) {
      writeFileSync(file, '');
      chmodSync(file, 0o644);
    }
    preparePrivateDatabaseFile(db);
    for (const file of [db, `${db}-wal`, `${db}-shm`]) expect(modeOf(file)).toBe(0o600);
  });

  it('makes missing directories 0700 and leaves an operator’s existing one as it is', () => {
    const existing = join(root, 'volume');
    mkdirSync(existing);
    chmodSync(existing, 0o755);
    ensurePrivateDir(join(existing, 'a', 'b'));
    expect(modeOf(existing)).toBe(0o755);
    expect(modeOf(join(existing, 'a'))).toBe(0o700);
    expect(modeOf(join(existing, 'a', 'b'))).toBe(0o700);
  });
});
