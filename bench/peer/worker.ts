/**
 * The peer stack's worker process (bench/peer-bullmq.ts): raw Baileys sockets (in-memory auth,
 * bench/support/raw-socket.ts) linked to the simulator, and a BullMQ `Worker` that sends each job
 * through the socket its `instance` names. Driven over its IPC channel:
 *
 * - `{ cmd: 'link', info, adminUrl, count, wave }` links `count` sockets and answers their phones;
 * - `{ cmd: 'start', redisPort, concurrency }` starts taking jobs from Redis;
 * - `{ cmd: 'stop' }` closes the BullMQ worker (the jobs in flight finish first).
 *
 * It prints `{"ready":true}` once loaded, and exits when its parent goes away.
 */
import { type Job, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { SimulatorInfo } from '../../sim/simulator.ts';
import { answerRequests } from '../support/child.ts';
import { type RawSocket, rawSocketFactory } from '../support/raw-socket.ts';
import { inWaves, SimAdmin } from '../support/sim-admin.ts';
import { PEER_QUEUE, type PeerJob } from './job.ts';

type Request = { id: string; cmd: string } & Record<string, unknown>;

// libsignal prints every closed session on console.info.
console.info = () => {};

const jid = (phone: string) => `${phone}@s.whatsapp.net`;
const sockets: RawSocket[] = [];
let worker: Worker<PeerJob, string> | undefined;

async function send(job: Job<PeerJob, string>): Promise<string> {
  const socket = sockets[Number(job.data.instance)];
  if (!socket) throw new Error(`no socket ${job.data.instance}`);
  const sent = await socket.sock.sendMessage(jid(job.data.to), { text: job.data.text });
  return sent?.key.id ?? '';
}

async function link(req: Request): Promise<string[]> {
  const factory = rawSocketFactory(req.info as SimulatorInfo, new SimAdmin(String(req.adminUrl)));
  const names = Array.from({ length: Number(req.count) }, (_, i) => `peer-${sockets.length + i}`);
  sockets.push(...(await inWaves(names, Number(req.wave), (name) => factory.link(name))));
  return sockets.map((s) => s.phone);
}

async function handle(req: Request): Promise<unknown> {
  if (req.cmd === 'link') return link(req);
  if (req.cmd === 'start') {
    const connection = new Redis({
      host: '127.0.0.1',
      port: Number(req.redisPort),
      maxRetriesPerRequest: null,
    });
    worker = new Worker<PeerJob, string>(PEER_QUEUE, send, {
      connection,
      concurrency: Number(req.concurrency),
    });
    await worker.waitUntilReady();
    return { started: true };
  }
  if (req.cmd === 'stop') {
    await worker?.close();
    worker = undefined;
    return { stopped: true };
  }
  throw new Error(`unknown command ${req.cmd}`);
}

answerRequests(handle);
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
