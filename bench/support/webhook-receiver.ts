/**
 * A webhook receiver in a process of its own, as a real one is: the load generator's work never
 * delays its answers (a late answer is a delivery timeout, and the retry a duplicate). It records
 * when each `message.received` arrives, by WhatsApp id, with the delivery row it came from.
 * Prints `{"url": …}` once listening; answers `count`, `clear` and `arrivals` over IPC.
 *
 *   spawnTs('bench/support/webhook-receiver.ts')
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { answerRequests } from './child.ts';

export interface Arrival {
  at: number;
  /** The `X-Webhook-Delivery` row id: the same one twice is a retry, two are two deliveries. */
  delivery: string;
}

const arrivals = new Map<string, Arrival[]>();
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const at = Date.now();
    res.writeHead(200).end();
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
      event: string;
      data: { waMessageId?: string };
    };
    const id = body.data.waMessageId;
    if (body.event !== 'message.received' || !id) return;
    const delivery = String(req.headers['x-webhook-delivery'] ?? '');
    arrivals.set(id, [...(arrivals.get(id) ?? []), { at, delivery }]);
  });
});

server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}/hook` })}\n`);
});
answerRequests<{ id: string; op: 'count' | 'clear' | 'arrivals' }>(async ({ op }) => {
  if (op === 'count') return arrivals.size;
  if (op === 'clear') return void arrivals.clear();
  return [...arrivals];
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
