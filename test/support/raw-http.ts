import { Agent, request as httpRequest } from 'node:http';

/**
 * Requests sent byte for byte as a hostile client would: the target is never normalised (fetch
 * would resolve `%2e%2e` and reject a NUL), the body goes as given under whatever content type,
 * and an answer that does not come within the timeout is reported, not waited for.
 */
export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface RawAnswer {
  status: number;
  contentType: string;
  body: string;
  /** An event stream was opened; it is closed at once and its body never read. */
  stream: boolean;
}

export class RawHttp {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });

  constructor(
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Sends once; again on a fresh connection when a kept-alive one turned out closed under the
   * request (the race Node's documentation describes for `reusedSocket`).
   */
  async send(req: RawRequest): Promise<RawAnswer> {
    try {
      return await this.sendOn(req, this.agent);
    } catch (err) {
      if ((err as { reused?: boolean }).reused) return this.sendOn(req, false);
      throw err;
    }
  }

  private sendOn(req: RawRequest, agent: Agent | false): Promise<RawAnswer> {
    const headers = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          method: req.method,
          path: req.path,
          headers,
          agent,
        },
        (res) => {
          const contentType = String(res.headers['content-type'] ?? '');
          const status = res.statusCode ?? 0;
          if (contentType.includes('text/event-stream')) {
            outgoing.destroy();
            resolve({ status, contentType, body: '', stream: true });
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status, contentType, body: Buffer.concat(chunks).toString('utf8'), stream: false }),
          );
          res.on('error', reject);
        },
      );
      outgoing.setTimeout(this.timeoutMs, () =>
        outgoing.destroy(new Error(`no answer within ${this.timeoutMs} ms (a hang)`)),
      );
      outgoing.on('error', (err: Error & { code?: string }) => {
        const stale =
          outgoing.reusedSocket && (err.code === 'ECONNRESET' || err.message === 'socket hang up');
        reject(Object.assign(err, { reused: stale }));
      });
      outgoing.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `work` over `items` with at most `width` at a time, in order of the list. */
export async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
}
