/**
 * The database writes of the outbox, in this process, with SQLite's group commit on and off in one
 * run: `--senders` instances at once, each accepting `--messages` texts (one insert each, as the API
 * does), then sending them all (the claim, then `sent` and `delivered`, each with its
 * message.status event in one transaction, as the outbox and the receipt handler do). CPU and
 * wall time per message, and the pages each message cost SQLite to write (WAL frames: a reader
 * holds a snapshot from the start, so the WAL is never restarted and its growth counts them all).
 * No HTTP, no Baileys: what the store costs per message, and what grouping the commits saves.
 *
 *   npm run bench:store-writes -- [--senders 20] [--messages 200] [--rounds 3]
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newWaMessageId } from '../src/domain/ids.ts';
import { openStore } from '../src/store/database.ts';
import type { Store } from '../src/store/repositories.ts';
import { round } from './support/proc.ts';
import { benchArgs, log, main, writeResult } from './support/run.ts';

const { options, argv } = benchArgs({ senders: 20, messages: 200, rounds: 3 });

interface Phase {
  cpuUs: number;
  wallUs: number;
  walFrames: number;
}

/** A WAL frame: its 24-byte header and a page (SQLite's default 4 KiB). */
const FRAME_BYTES = 24 + 4096;

async function timed(count: number, walFile: string, work: () => Promise<unknown>): Promise<Phase> {
  const walBytes = () => statSync(walFile, { throwIfNoEntry: false })?.size ?? 0;
  const before = walBytes();
  const cpu = process.cpuUsage();
  const start = performance.now();
  await work();
  const used = process.cpuUsage(cpu);
  return {
    cpuUs: round((used.user + used.system) / count, 1),
    wallUs: round(((performance.now() - start) * 1000) / count, 1),
    walFrames: round((walBytes() - before) / FRAME_BYTES / count, 2),
  };
}

async function statusEvent(tx: Parameters<Parameters<Store['transaction']>[0]>[0], instanceId: string) {
  await tx.events.append({
    id: randomUUID(),
    instanceId,
    tenantId: null,
    event: 'message.status',
    envelope: '{}',
    createdAt: new Date(),
  });
}

async function oneRun(groupCommit: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'zg-store-writes-'));
  const file = join(dir, 'zapgate.db');
  const store = await openStore(`sqlite://${file}`, {
    sqliteGroupCommit: groupCommit,
    sqliteCheckpointThread: true,
  });
  // a snapshot held open: no checkpoint passes it, so the WAL only grows (timed counts its frames)
  const reader = new Database(file, { readonly: true });
  reader.prepare('begin').run();
  reader.prepare('select count(*) from instances').get();
  try {
    const instances = Array.from({ length: options.senders }, () => randomUUID());
    for (const id of instances)
      await store.instances.create({
        id,
        name: id.slice(0, 8),
        tenantId: null,
        desiredState: 'running',
        settings: {},
      });
    const total = options.senders * options.messages;
    const accept = await timed(total, `${file}-wal`, () =>
      Promise.all(
        instances.map(async (instanceId, s) => {
          for (let i = 0; i < options.messages; i++)
            await store.messages.insert({
              id: randomUUID(),
              instanceId,
              tenantId: null,
              waMessageId: newWaMessageId(),
              direction: 'outbound',
              chatJid: `5511900${s}@s.whatsapp.net`,
              type: 'text',
              content: { text: `hello ${i}` },
              status: 'queued',
            });
        }),
      ),
    );
    const send = await timed(total, `${file}-wal`, () =>
      Promise.all(
        instances.map(async (instanceId) => {
          for (;;) {
            const message = await store.messages.claimNext(instanceId, new Date());
            if (!message) return;
            await store.transaction(async (tx) => {
              await tx.messages.markSent(message.id, new Date());
              await statusEvent(tx, instanceId);
            });
            await store.transaction(async (tx) => {
              await tx.messages.applyReceipt(instanceId, message.waMessageId, 'delivered', new Date());
              await statusEvent(tx, instanceId);
            });
          }
        }),
      ),
    );
    const delivered = (await store.messages.countByStatus({})).delivered ?? 0;
    if (delivered !== total) throw new Error(`${delivered} of ${total} rows delivered`);
    return { accept, send };
  } finally {
    reader.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main(async () => {
  const runs: Array<{ groupCommit: boolean; round: number } & Awaited<ReturnType<typeof oneRun>>> = [];
  for (let r = 1; r <= options.rounds; r++) {
    for (const groupCommit of [false, true]) {
      const result = await oneRun(groupCommit);
      runs.push({ groupCommit, round: r, ...result });
      log(
        `round ${r}, group commit ${groupCommit ? 'on ' : 'off'}: accept ${result.accept.cpuUs} us CPU ` +
          `(${result.accept.wallUs} wall, ${result.accept.walFrames} WAL frames), claim + sent + delivered ` +
          `${result.send.cpuUs} us CPU (${result.send.wallUs} wall, ${result.send.walFrames} WAL frames)`,
      );
    }
  }
  const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const summary = [false, true].map((groupCommit) => {
    const mine = runs.filter((r) => r.groupCommit === groupCommit);
    return {
      groupCommit,
      acceptCpuUs: median(mine.map((r) => r.accept.cpuUs)),
      sendCpuUs: median(mine.map((r) => r.send.cpuUs)),
      acceptWalFrames: median(mine.map((r) => r.accept.walFrames)),
      sendWalFrames: median(mine.map((r) => r.send.walFrames)),
    };
  });
  console.log(
    '| group commit | accept: CPU µs, WAL frames per message | claim + sent + delivered: CPU µs, WAL frames per message |',
  );
  console.log('|---|---|---|');
  for (const s of summary)
    console.log(
      `| ${s.groupCommit ? 'on' : 'off'} | ${s.acceptCpuUs}, ${s.acceptWalFrames} | ${s.sendCpuUs}, ${s.sendWalFrames} |`,
    );
  const file = writeResult('store-writes', 'bench:store-writes', argv, { options, summary, runs });
  log(`results written to ${file}`);
});
