/** The simulator's admin API over HTTP: the benchmarks run the simulator as a child process. */
export interface InboxEntry {
  id: string;
  from: string;
  type: string;
  content: Record<string, unknown>;
  /** When the simulator decrypted it (ms since the epoch, this machine's clock). */
  time: number;
}

export class SimAdmin {
  constructor(readonly adminUrl: string) {}

  /** Retries a request that never got an answer (a keep-alive connection closed under it). */
  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response | undefined;
    for (let attempt = 1; !res; attempt++) {
      try {
        res = await fetch(`${this.adminUrl}${path}`, {
          method,
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (err) {
        const cause = (err as { cause?: unknown }).cause;
        const why = `${method} ${path} failed: ${String(err)} (${String(cause)})`;
        if (attempt >= 3) throw new Error(why);
        process.stderr.write(`${why}; retrying\n`);
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as T;
  }

  createAccount(name: string): Promise<{ phone: string }> {
    return this.call('POST', '/accounts', { name });
  }

  createContact(name: string): Promise<{ phone: string }> {
    return this.call('POST', '/contacts', { name });
  }

  linkQr(phone: string, qr: string): Promise<unknown> {
    return this.call('POST', `/accounts/${phone}/link-qr`, { qr });
  }

  inbox(contactPhone: string): Promise<InboxEntry[]> {
    return this.call('GET', `/contacts/${contactPhone}/messages`);
  }
}

/**
 * Runs `work` over `items` with at most `size` in flight (a new one starts as soon as one ends):
 * linking is CPU-bound key generation, and a flood of handshakes would time out.
 */
export async function inWaves<T, R>(
  items: readonly T[],
  size: number,
  work: (item: T, index: number) => Promise<R>,
  onProgress?: (done: number) => void,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const lane = async () => {
    for (;;) {
      const index = next++;
      if (index >= items.length) return;
      out[index] = await work(items[index] as T, index);
      done += 1;
      onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, lane));
  return out;
}
