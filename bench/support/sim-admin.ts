/** The simulator's admin API over HTTP: the benchmarks run the simulator as a child process. */
export interface InboxEntry {
  id: string;
  from: string;
  type: string;
  content: Record<string, unknown>;
}

export class SimAdmin {
  constructor(readonly adminUrl: string) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.adminUrl}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
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

/** Runs `work` over `items` at most `size` at a time, in waves (linking is CPU-bound key generation). */
export async function inWaves<T, R>(
  items: readonly T[],
  size: number,
  work: (item: T, index: number) => Promise<R>,
  onWave?: (done: number) => void,
): Promise<R[]> {
  const out: R[] = [];
  for (let start = 0; start < items.length; start += size) {
    const wave = items.slice(start, start + size);
    out.push(...(await Promise.all(wave.map((item, i) => work(item, start + i)))));
    onWave?.(out.length);
  }
  return out;
}

/** Polls `check` every `everyMs` until it returns a value; fails after `timeoutMs`. */
export async function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
