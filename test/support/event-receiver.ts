import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook POST as the receiver got it: the gateway's event envelope. */
export interface ReceivedEvent {
  id: string;
  event: string;
  instance: { id: string; name: string };
  timestamp: string;
  data: Record<string, unknown> & { id?: string; status?: string };
}

export interface EventReceiver {
  url: string;
  /** Every envelope, in the order the POSTs arrived (redeliveries included). */
  events: ReceivedEvent[];
  close(): Promise<void>;
}

/** A real HTTP webhook receiver on loopback that answers 200 to every POST and keeps its body. */
export async function startEventReceiver(): Promise<EventReceiver> {
  const events: ReceivedEvent[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        events.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReceivedEvent);
        res.writeHead(200).end('ok');
      } catch {
        res.writeHead(400).end('not JSON');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
