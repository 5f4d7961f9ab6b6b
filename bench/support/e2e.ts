import { type ApiClient, eventually } from '../../test/support/http-client.ts';
import { log } from './run.ts';
import type { SimAdmin } from './sim-admin.ts';

/** Sends that must reach one contact: the WhatsApp ids, and when the last one was decrypted. */
export type Expected = Map<string, Set<string>>;

/**
 * Polls every contact's inbox (only those still missing something) until it holds every expected
 * id; resolves with the simulator's own decryption time of the last one (its `time` stamp), so
 * the poll interval does not blur the measurement.
 */
export async function waitForInboxes(
  sim: SimAdmin,
  expected: Expected,
  timeoutMs: number,
): Promise<{ lastDecryptedAt: number; decrypted: number; missing: number }> {
  const pending = new Map([...expected].map(([contact, ids]) => [contact, new Set(ids)]));
  let lastDecryptedAt = 0;
  let decrypted = 0;
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0 && Date.now() < deadline) {
    for (const [contact, ids] of pending) {
      for (const entry of await sim.inbox(contact)) {
        if (!ids.delete(entry.id)) continue;
        decrypted += 1;
        lastDecryptedAt = Math.max(lastDecryptedAt, entry.time);
      }
      if (ids.size === 0) pending.delete(contact);
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 1_000));
  }
  const missing = [...pending.values()].reduce((n, ids) => n + ids.size, 0);
  return { lastDecryptedAt, decrypted, missing };
}

export interface Job {
  instanceId: string;
  to: string;
  text: string;
}

export interface Accepted {
  id: string;
  waMessageId: string;
  instanceId: string;
  to: string;
}

/** POSTs every job to the gateway, `concurrency` requests in flight; fails on any non-202. */
export async function postAll(
  api: ApiClient,
  jobs: readonly Job[],
  concurrency: number,
): Promise<Accepted[]> {
  const accepted: Accepted[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      const job = jobs[index];
      if (!job) return;
      const res = await api.post<{ id: string; waMessageId: string }>(
        `/api/v1/instances/${job.instanceId}/messages`,
        { to: job.to, type: 'text', text: job.text },
      );
      if (res.status !== 202)
        throw new Error(`send ${index} answered ${res.status}: ${JSON.stringify(res.body)}`);
      accepted[index] = { ...res.body, instanceId: job.instanceId, to: job.to };
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return accepted;
}

type QueueTotals = Record<string, number>;
const SENT = ['sent', 'delivered', 'read', 'played'];

/** Waits (via `GET /api/v1/queue`) until nothing is queued or sending and `atLeast` rows are sent. */
export async function waitForQueueDrained(
  api: ApiClient,
  atLeast: number,
  timeoutMs: number,
): Promise<QueueTotals> {
  let lastLog = 0;
  return eventually(
    `${atLeast} messages to be sent`,
    async () => {
      const res = await api.get<{ total: QueueTotals }>('/api/v1/queue');
      const t = res.body.total;
      const sent = SENT.reduce((n, s) => n + (t[s] ?? 0), 0);
      if (Date.now() - lastLog > 10_000) {
        lastLog = Date.now();
        log(`  queue: ${JSON.stringify(t)}`);
      }
      if ((t.failed ?? 0) > 0 && !(t.queued ?? 0) && !(t.sending ?? 0)) return t;
      return sent >= atLeast && !(t.queued ?? 0) && !(t.sending ?? 0) ? t : undefined;
    },
    timeoutMs,
    1_000,
  );
}

type Page = { items: Row[]; nextCursor: string | null };

interface Row {
  waMessageId: string;
  status: string;
  sentAt: string | null;
  createdAt: string;
}

/** The sentAt stamps of the given rows, read back through the history API (200 a page). */
export async function sentTimes(
  api: ApiClient,
  instanceIds: readonly string[],
  wanted: ReadonlySet<string>,
): Promise<{ lastSentAt: number; statuses: Record<string, number> }> {
  let lastSentAt = 0;
  const statuses: Record<string, number> = {};
  for (const id of instanceIds) {
    let cursor: string | null = null;
    do {
      const query: string = `direction=outbound&limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const res: { body: Page } = await api.get<Page>(`/api/v1/instances/${id}/messages?${query}`);
      for (const row of res.body.items) {
        if (!wanted.has(row.waMessageId)) continue;
        statuses[row.status] = (statuses[row.status] ?? 0) + 1;
        if (row.sentAt) lastSentAt = Math.max(lastSentAt, Date.parse(row.sentAt));
      }
      cursor = res.body.nextCursor;
    } while (cursor);
  }
  return { lastSentAt, statuses };
}
