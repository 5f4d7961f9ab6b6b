/**
 * The least an accept path that writes its row before answering can cost on this machine, to read
 * bench:accept against. Two parts, in one run:
 *
 * 1. HTTP: autocannon (this process) against two Fastify servers (child processes): the bare route
 *    bench:accept compares with, and the same route with what the gateway does before touching
 *    the database (its body schema and ajv options, a bearer key check). Server CPU per request.
 * 2. The row: one queued text inserted into `messages` of a freshly migrated SQLite database that
 *    already holds `--rows` messages: through the gateway's repository (one commit each), then as
 *    the same SQL through better-sqlite3 directly (one commit each; `--batch` per commit), then
 *    batched with the table's secondary indexes dropped. CPU per insert, in this process. Also
 *    what the outbox then does to each row through the repository (claim, sent, delivered).
 *
 * The ceiling printed is bare ÷ (validated + raw batched insert): the highest gateway ÷ bare ratio
 * any design could reach that validates a request and writes its row before the 202, with perfect
 * group commit and no query builder, while keeping the indexes the outbox and history read by.
 * The second ceiling drops those indexes too.
 *
 *   npm run bench:accept-floor -- [--duration 10] [--connections 50] [--warmup 3] [--rows 20000] [--inserts 5000] [--batch 50]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { openStore } from '../src/store/database.ts';
import { newMessageRow } from '../src/store/repositories/message-rows.ts';
import type { NewMessage } from '../src/store/repositories.ts';
import type { Database } from '../src/store/schema.ts';
import { ADMIN_KEY } from '../test/support/gateway-harness.ts';
import { spawnTs } from './support/child.ts';
import { cpuWindow, round, waitForQuiet } from './support/proc.ts';
import { benchArgs, log, main, onCleanup, writeResult } from './support/run.ts';

const { options, argv } = benchArgs({
  duration: 10,
  connections: 50,
  warmup: 3,
  rows: 20_000,
  inserts: 5_000,
  batch: 50,
});

const PATH = '/api/v1/instances/floor/messages';
const BODY = JSON.stringify({ to: '5511999990000', type: 'text', text: 'accept-rate benchmark message' });
const HEADERS = { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' };

/** One server's requests/s and its CPU per request under the same load as bench:accept. */
async function httpFloor(variant: 'bare' | 'validated') {
  const server = await spawnTs('bench/support/bare-server.ts', { args: variant === 'bare' ? [] : [variant] });
  onCleanup(`the ${variant} server`, () => server.stop());
  const fire = (seconds: number) =>
    autocannon({
      url: `http://127.0.0.1:${Number(server.hello.port)}${PATH}`,
      method: 'POST',
      connections: options.connections,
      duration: seconds,
      headers: HEADERS,
      body: BODY,
    });
  const otherCoresBefore = await waitForQuiet();
  await fire(options.warmup);
  const window = cpuWindow({ bench: process.pid, server: server.pid });
  const r = await fire(options.duration);
  const cpu = window.stop();
  await server.stop();
  if (r.non2xx > 0 || r['2xx'] === 0) throw new Error(`${variant}: ${r.non2xx} answers were not 2xx`);
  const result = {
    requestsPerSecond: round(r['2xx'] / r.duration, 0),
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99 },
    serverCpuMsPerRequest: round(((cpu.processes.server?.cpuSeconds ?? 0) * 1000) / r['2xx'], 4),
    cpu,
    otherCoresBefore,
  };
  log(`${variant}: ${result.requestsPerSecond} req/s, ${result.serverCpuMsPerRequest} ms of server CPU each`);
  return result;
}

/** CPU ms per call of `step`, over `count` calls. */
async function cpuPer(count: number, step: (i: number) => unknown): Promise<number> {
  const before = process.cpuUsage();
  for (let i = 0; i < count; i++) await step(i);
  const used = process.cpuUsage(before);
  return round((used.user + used.system) / 1000 / count, 4);
}

async function insertFloor() {
  const dir = mkdtempSync(join(tmpdir(), 'zapgate-floor-'));
  onCleanup('the floor database', async () => rmSync(dir, { recursive: true, force: true }));
  const url = `sqlite://${join(dir, 'floor.db')}`;
  const store = await openStore(url, { sqliteCheckpointThread: true });
  const instance = await store.instances.create({
    id: randomUUID(),
    tenantId: null,
    name: 'floor',
    desiredState: 'stopped',
    settings: {},
  });
  const message = (status: NewMessage['status']): NewMessage => ({
    id: randomUUID(),
    instanceId: instance.id,
    tenantId: null,
    waMessageId: `3EB0${randomUUID().replaceAll('-', '').slice(0, 18).toUpperCase()}`,
    direction: 'outbound',
    chatJid: `55119${String(Math.floor(Math.random() * 1e6)).padStart(6, '0')}@s.whatsapp.net`,
    type: 'text',
    content: { text: 'accept-rate benchmark message' },
    status,
    idempotencyKey: null,
    expiresAt: null,
  });
  log(`filling messages with ${options.rows} sent rows`);
  for (let done = 0; done < options.rows; done += 1000) {
    await store.messages.insertMany(
      Array.from({ length: Math.min(1000, options.rows - done) }, () => message('sent')),
    );
  }
  const n = options.inserts;
  const repository = await cpuPer(n, () => store.messages.insert(message('queued')));
  // What the outbox then does to each of those rows, through the repository: claim, sent, delivered.
  const outboxSteps = await cpuPer(n, async () => {
    const claimed = await store.messages.claimNext(instance.id, new Date());
    if (!claimed) throw new Error('nothing left to claim');
    await store.messages.markSent(claimed.id, new Date());
    await store.messages.applyReceipt(instance.id, claimed.waMessageId, 'delivered', new Date());
  });
  await store.close();

  // The same INSERT … RETURNING the repository runs, prepared once on a connection of its own.
  const sqlite = new BetterSqlite3(join(dir, 'floor.db'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = normal');
  const compiler = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const sample = newMessageRow(message('queued'), Date.now());
  const statement = sqlite.prepare(
    compiler.insertInto('messages').values(sample).returningAll().compile().sql,
  );
  const params = () => Object.values(newMessageRow(message('queued'), Date.now()));
  const batched = sqlite.transaction((size: number) => {
    for (let i = 0; i < size; i++) statement.all(params());
  });
  const b = options.batch;
  const rawSingle = await cpuPer(n, () => statement.all(params()));
  const rawBatched = round((await cpuPer(Math.ceil(n / b), () => batched(b))) / b, 4);
  const indexes = sqlite
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL`,
    )
    .all() as Array<{ name: string }>;
  for (const { name } of indexes) sqlite.exec(`DROP INDEX "${name}"`);
  const rawBatchedNoIndexes = round((await cpuPer(Math.ceil(n / b), () => batched(b))) / b, 4);
  sqlite.close();
  const result = {
    rowsBefore: options.rows,
    inserts: n,
    batch: b,
    secondaryIndexes: indexes.map((i) => i.name),
    cpuMsPerInsert: { repository, rawSingle, rawBatched, rawBatchedNoIndexes },
    /** claimNext + markSent + applyReceipt(delivered), one commit each, per message. */
    cpuMsPerMessageOutboxSteps: outboxSteps,
  };
  log(
    `insert, CPU ms each: ${JSON.stringify(result.cpuMsPerInsert)}; outbox steps per message: ${outboxSteps}`,
  );
  return result;
}

main(async () => {
  const bare = await httpFloor('bare');
  const validated = await httpFloor('validated');
  const insert = await insertFloor();
  const ceiling = round(
    bare.serverCpuMsPerRequest / (validated.serverCpuMsPerRequest + insert.cpuMsPerInsert.rawBatched),
    3,
  );
  // The same with no secondary index at all: what no outbox could afford, as a bound.
  const ceilingWithoutIndexes = round(
    bare.serverCpuMsPerRequest /
      (validated.serverCpuMsPerRequest + insert.cpuMsPerInsert.rawBatchedNoIndexes),
    3,
  );
  const file = writeResult('accept-floor', 'bench:accept-floor', argv, {
    options,
    placement: {
      bench: 'autocannon and the SQLite inserts, in this process',
      servers: 'child processes (bench/support/bare-server.ts [validated]), one at a time',
    },
    http: { bare, validated },
    insert,
    ceiling,
    ceilingWithoutIndexes,
  });
  process.stdout.write(
    `bare ${bare.requestsPerSecond} req/s (${bare.serverCpuMsPerRequest} ms each); ` +
      `validated ${validated.requestsPerSecond} req/s (${validated.serverCpuMsPerRequest} ms each); ` +
      `insert ms: ${JSON.stringify(insert.cpuMsPerInsert)}; ceiling of gateway/bare: ${ceiling} ` +
      `(${ceilingWithoutIndexes} without secondary indexes)\n`,
  );
  log(`results written to ${file}`);
});
