/**
 * The outbox's queries on a big table, in this process: `--instances` instances, each with a long
 * sent and received history (`--history` rows) and a queue (`--queued` rows) spread over 50
 * chats, ten of which are held back by a row waiting for a retry; a third of the queued rows carry
 * a ttl. Then the median time of each query the sending loop and the API ask per instance:
 * nextDue, claimNext + markSent, expireDue, nextScheduledAt, a history page, the daily-cap count,
 * the oldest queued row; and first a `select 1` (ping), the round trip every statement pays at
 * least. What a missing index or a badly chosen plan costs shows up as a number, on SQLite and
 * PostgreSQL in one run. SQLite runs as the product runs it, without ANALYZE. PostgreSQL runs
 * twice: with fresh statistics (an `analyze` after the bulk load, as its autovacuum would do
 * within a minute), and with stale ones, taken while the table held only the history and kept
 * (autovacuum off for the table) while the queues are loaded: what the planner knows between two
 * ANALYZEs when a burst of sends arrives.
 *
 *   npm run bench:queue-scale -- [--db sqlite|postgres|both] [--instances 20] [--history 4000]
 *     [--queued 1000] [--rounds 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../src/store/database.ts';
import type { NewMessage, Store } from '../src/store/repositories.ts';
import { unique } from '../test/store/contract/fixture.ts';
import { at, chat, newMessage } from '../test/store/contract/message-fixture.ts';
import { startTestPostgres } from '../test/support/postgres.ts';
import { round } from './support/proc.ts';
import { benchArgs, type Dialect, log, main, onCleanup, writeResult } from './support/run.ts';

const { dialects, options, argv } = benchArgs({ instances: 20, history: 4_000, queued: 1_000, rounds: 5 });
const { Client } = pg;
const CHATS = 50;
/** Chats whose first queued row waits for a retry, holding the rest of that chat back. */
const HELD_CHATS = 10;
const NOW = at(1_800_000_000_000);
const HOUR_MS = 3_600_000;

/** One instance's rows: its history, then its queue; every third queued row with a ttl. */
function instanceRows(instanceId: string): NewMessage[] {
  const total = options.history + options.queued;
  return Array.from({ length: total }, (_, n) => {
    const history = n < options.history;
    const queuedIndex = n - options.history;
    return newMessage({
      instanceId,
      tenantId: 'bench',
      chatJid: chat(n % CHATS),
      direction: history && n % 2 === 1 ? 'inbound' : 'outbound',
      status: history ? (n % 2 === 1 ? 'received' : 'sent') : 'queued',
      content: { text: `message ${n}` },
      nextAttemptAt: !history && queuedIndex < HELD_CHATS ? at(NOW.getTime() + HOUR_MS) : null,
      expiresAt: !history && queuedIndex % 3 === 0 ? at(NOW.getTime() + HOUR_MS) : null,
      createdAt: at(NOW.getTime() - (total - n) * 1000),
    });
  });
}

/** When PostgreSQL's statistics are taken: after the load, or before the queues were loaded. */
type Statistics = 'fresh' | 'stale' | 'none';

interface BenchStore {
  store: Store;
  /** Runs one statement on a connection of its own (nothing on SQLite). */
  admin: (statement: string) => Promise<void>;
  close: () => Promise<void>;
}

async function openBenchStore(dialect: Dialect): Promise<BenchStore> {
  if (dialect === 'postgres') {
    const pg = await startTestPostgres();
    const store = await openStore(pg.url);
    const admin = async (statement: string) => {
      const client = new Client({ connectionString: pg.url });
      await client.connect();
      await client.query(statement).finally(() => client.end());
    };
    return { store, admin, close: () => store.close().finally(() => pg.stop()) };
  }
  const dir = mkdtempSync(join(tmpdir(), 'zg-queue-scale-'));
  const store = await openStore(`sqlite://${join(dir, 'zapgate.db')}`, { sqliteCheckpointThread: true });
  return {
    store,
    admin: async () => undefined,
    close: () => store.close().finally(() => rmSync(dir, { recursive: true, force: true })),
  };
}

/** Median milliseconds of `work` over every instance and round. */
async function medianMs(instances: string[], work: (instanceId: string) => Promise<unknown>) {
  const times: number[] = [];
  for (let r = 0; r < options.rounds; r++)
    for (const id of instances) {
      const start = performance.now();
      await work(id);
      times.push(performance.now() - start);
    }
  return round(times.toSorted((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0, 3);
}

/** Every instance's rows; with stale statistics, ANALYZE runs between the histories and the queues. */
async function load(bench: BenchStore, instances: string[], statistics: Statistics): Promise<number> {
  const started = performance.now();
  const rows = new Map(instances.map((id) => [id, instanceRows(id)]));
  if (statistics === 'stale') {
    await bench.admin('alter table messages set (autovacuum_enabled = false)');
    for (const id of instances)
      await bench.store.messages.insertMany(rows.get(id)?.slice(0, options.history) ?? []);
    await bench.admin('analyze messages');
    for (const id of instances)
      await bench.store.messages.insertMany(rows.get(id)?.slice(options.history) ?? []);
  } else {
    for (const id of instances) await bench.store.messages.insertMany(rows.get(id) ?? []);
    if (statistics === 'fresh') await bench.admin('analyze messages');
  }
  return round(performance.now() - started, 0);
}

async function measure(dialect: Dialect, statistics: Statistics) {
  const bench = await openBenchStore(dialect);
  const { store, close } = bench;
  onCleanup(`the ${dialect} store`, close);
  try {
    const instances = Array.from({ length: options.instances }, () => unique('bench'));
    const insertMs = await load(bench, instances, statistics);
    const { messages } = store;
    const firstDue = await messages.nextDue(instances[0] ?? '', NOW);
    // the first chat not held back by a retry
    if (firstDue?.chatJid !== chat((options.history + HELD_CHATS) % CHATS))
      throw new Error(`nextDue answered ${firstDue?.chatJid ?? 'nothing'}`);
    const ms = {
      ping: await medianMs(instances, () => store.ping()),
      nextDue: await medianMs(instances, (id) => messages.nextDue(id, NOW)),
      claimNextAndMarkSent: await medianMs(instances, async (id) => {
        const claimed = await messages.claimNext(id, NOW);
        if (!claimed) throw new Error('nothing to claim');
        await messages.markSent(claimed.id, NOW);
      }),
      expireDue: await medianMs(instances, (id) => messages.expireDue(id, NOW)),
      nextScheduledAt: await medianMs(instances, (id) => messages.nextScheduledAt(id, NOW)),
      historyPage200: await medianMs(instances, (id) => messages.list(id, { limit: 200 })),
      chatPage200: await medianMs(instances, (id) => messages.list(id, { limit: 200, chatJid: chat(3) })),
      countSentSince: await medianMs(instances, (id) => messages.countSentSince(id, NOW)),
      oldestQueuedAt: await medianMs(instances.slice(0, 1), () =>
        messages.oldestQueuedAt(undefined, 'bench'),
      ),
    };
    const rows = options.instances * (options.history + options.queued);
    log(
      `${dialect}${statistics === 'none' ? '' : ` (${statistics} statistics)`}: ${rows} rows inserted in ${insertMs} ms; median ms ${JSON.stringify(ms)}`,
    );
    return { dialect, statistics, rows, insertMs, medianMs: ms };
  } finally {
    await close();
  }
}

main(async () => {
  const results: Array<Awaited<ReturnType<typeof measure>>> = [];
  for (const dialect of dialects)
    for (const statistics of dialect === 'postgres' ? (['fresh', 'stale'] as const) : (['none'] as const))
      results.push(await measure(dialect, statistics));
  const names = Object.keys(results[0]?.medianMs ?? {}) as Array<keyof (typeof results)[0]['medianMs']>;
  const heading = (r: (typeof results)[0]) =>
    `${r.dialect}${r.statistics === 'none' ? '' : `, ${r.statistics} statistics`} (${r.rows} rows)`;
  console.log(`| query, median ms | ${results.map(heading).join(' | ')} |`);
  console.log(`|---|${results.map(() => '---').join('|')}|`);
  for (const name of names) console.log(`| ${name} | ${results.map((r) => r.medianMs[name]).join(' | ')} |`);
  const file = writeResult('queue-scale', 'bench:queue-scale', argv, { options, results });
  log(`results written to ${file}`);
});
