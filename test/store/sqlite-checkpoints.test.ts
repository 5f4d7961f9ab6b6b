import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/database.ts';
import type { Store } from '../../src/store/repositories.ts';
import { SqliteCheckpointer } from '../../src/store/sqlite-checkpointer.ts';
import { eventually } from '../support/http-client.ts';

const PAGE = 4096;
const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/** A commit of `rows` events of 10 KiB each (about 2.5 pages each). */
async function bigCommit(store: Store, rows: number): Promise<void> {
  await store.transaction(async (tx) => {
    for (let i = 0; i < rows; i++)
      await tx.events.append({
        id: `big-${i}`,
        instanceId: 'i-1',
        tenantId: null,
        event: 'message.received',
        envelope: JSON.stringify({ filler: `${i}`.padEnd(10 * 1024, 'x') }),
        createdAt: new Date(),
      });
  });
}

/**
 * The gateway's file store has its WAL copied back into the database by a thread of its own, not by the commit
 * that takes it past SQLite's 1,000 pages (src/store/sqlite-checkpointer.ts): a WAL well short of
 * that is checkpointed too, with no commit after it.
 */
describe('SQLite checkpoints', () => {
  let dir = '';
  let file = '';
  let store: Store;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zg-checkpoints-'));
    file = join(dir, 'zapgate.db');
    store = await openStore(`sqlite://${file}`, { sqliteCheckpointThread: true });
  });
  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('checkpoints a WAL of a few hundred pages without another commit, and closes clean', async () => {
    const before = size(file);
    // about 300 pages in one commit: below the writer's own threshold
    await bigCommit(store, 120);
    expect(size(`${file}-wal`)).toBeGreaterThan(250 * PAGE);
    const grown = await eventually(
      'the database file to hold the commit',
      () => (size(file) - before > 250 * PAGE ? size(file) : undefined),
      10_000,
      50,
    );
    expect(grown).toBeGreaterThan(before);
    expect((await store.events.listAfter(0, { limit: 200 })).length).toBe(120);
    await store.close();
    // the last connection's close checkpoints and removes the WAL
    expect(size(`${file}-wal`)).toBe(0);
  });

  it('without the thread (a CLI, say), the commit that takes the WAL past 1,000 pages checkpoints', async () => {
    const alone = join(dir, 'alone.db');
    const short = await openStore(`sqlite://${alone}`);
    try {
      const before = size(alone);
      // about 1,250 pages: the commit itself copies them into the file before it returns
      await bigCommit(short, 500);
      expect(size(alone) - before).toBeGreaterThan(1_000 * PAGE);
    } finally {
      await short.close();
    }
  });

  it('when the thread cannot run, the writer checkpoints again, and it is said once', async () => {
    const writer = new BetterSqlite3(join(dir, 'writer.db'));
    const said: Array<{ msg: string; data?: object }> = [];
    try {
      writer.pragma('journal_mode = WAL');
      const autocheckpoint = () => writer.pragma('wal_autocheckpoint', { simple: true });
      // the thread's own connection cannot open a database in a directory that is not there
      const checkpointer = SqliteCheckpointer.start(
        writer,
        join(dir, 'gone', 'writer.db'),
        'normal',
        (msg, data) => said.push({ msg, ...(data ? { data } : {}) }),
      );
      expect(autocheckpoint()).toBe(0);
      await eventually(
        'the writer to checkpoint again',
        () => (autocheckpoint() === 1000 ? true : undefined),
        10_000,
        20,
      );
      await checkpointer.stop();
      expect(said).toEqual([
        {
          msg: 'store: the checkpoint thread stopped; commits checkpoint again',
          data: { why: expect.stringMatching(/directory/) },
        },
      ]);
    } finally {
      writer.close();
    }
  });
});
