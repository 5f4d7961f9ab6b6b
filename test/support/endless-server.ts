import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One response an EndlessServer streamed: how much it wrote, and whether the client went away. */
export interface EndlessStream {
  path: string;
  written: number;
  closedByClient: boolean;
}

/**
 * A loopback HTTP server that answers every request with a body that never ends: chunks as fast as
 * the client reads them, until the client closes the connection. Bounded by the test: past `capBytes`
 * it stops writing but keeps the response open, so only a client that gives up ends it.
 */
export class EndlessServer {
  readonly streams: EndlessStream[] = [];
  private readonly server: Server;
  private readonly open = new Set<ServerResponse>();
  url = '';

  constructor(
    private readonly capBytes: number,
    private readonly headers: Record<string, string> = { 'content-type': 'application/octet-stream' },
  ) {
    this.server = createServer((req, res) => void this.stream(req, res));
  }

  private async stream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for await (const _ of req); // the request body, if any
    const s: EndlessStream = { path: req.url ?? '', written: 0, closedByClient: false };
    this.streams.push(s);
    this.open.add(res);
    res.on('close', () => {
      this.open.delete(res);
      s.closedByClient = !res.writableFinished;
    });
    res.writeHead(200, this.headers);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    while (!res.destroyed && s.written < this.capBytes) {
      s.written += chunk.length;
      if (!res.write(chunk))
        await new Promise<void>((resolve) => {
          res.once('drain', resolve);
          res.once('close', resolve);
        });
    }
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.open) res.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
