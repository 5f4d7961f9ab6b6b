import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.ts';
import type { Store } from '../../src/store/repositories.ts';

const node = (id: string) => ({ id, role: 'worker' as const, version: 'test', startedAt: new Date(1) });

/**
 * The API and the worker of a split gateway write one SQLite file from two processes. A store's
 * transaction that reads first and writes later must not fail because the other wrote in
 * between: it holds the write lock from its start, and the other waits (here, with no busy
 * timeout, it is refused at once, which shows the lock is held). A transaction that finds the
 * lock held waits for it without stopping this process's event loop.
 */
describe('SQLite shared by two processes', () => {
  let dir = '';
  let store: Store;
  let other: BetterSqlite3.Database;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zg-two-writers-'));
    const file = join(dir, 'zapgate.db');
    store = await openStore(`sqlite://${file}`);
    other = new BetterSqlite3(file);
    other.pragma('busy_timeout = 0');
  });
  afterAll(async () => {
    other?.close();
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const writeFromOther = (id: string) =>
    other
      .prepare('insert into nodes (id, role, version, started_at, heartbeat_at) values (?, ?, ?, ?, ?)')
      .run(id, 'api', 'test', 1, Date.now());

  it('a transaction that reads, then writes, commits while another process tries to write', async () => {
    let refused: unknown;
    await store.transaction(async (tx) => {
      expect(await tx.nodes.live(new Date(0))).toEqual([]);
      try {
        writeFromOther('other-during');
      } catch (err) {
        refused = err;
      }
      await tx.nodes.heartbeat(node('ours'), new Date());
    });
    expect((refused as { code?: string } | undefined)?.code).toBe('SQLITE_BUSY');
    writeFromOther('other-after');
    expect((await store.nodes.live(new Date(0))).map((n) => n.id)).toEqual(['other-after', 'ours']);
  });

  it('a transaction waits for the other process to commit, the event loop running meanwhile', async () => {
    other.exec('begin immediate');
    writeFromOther('other-holding');
    let heldMs = 0;
    const started = Date.now();
    // the other side commits from a timer: it runs only if waiting for the lock leaves the thread free
    const release = setTimeout(() => {
      heldMs = Date.now() - started;
      other.exec('commit');
    }, 300);
    try {
      await store.transaction(async (tx) => tx.nodes.heartbeat(node('waited'), new Date()));
    } finally {
      clearTimeout(release);
      if (other.inTransaction) other.exec('rollback');
    }
    expect(heldMs).toBeGreaterThan(0);
    const ids = (await store.nodes.live(new Date(0))).map((n) => n.id);
    expect(ids).toEqual(expect.arrayContaining(['other-holding', 'waited']));
  });
});
