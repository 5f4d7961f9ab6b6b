import { type Dispatcher, request } from 'undici';
import { assertFetchableUrl, fetchDispatcher, refusalOf, UrlRefused } from '../net/url-guard.ts';
import type { Logger } from '../observability/logger.ts';
import { reconnectDelay } from '../sessions/reconnect-policy.ts';
import type { Store, Webhook, WebhookDelivery } from '../store/repositories.ts';
import { signPayload } from './signing.ts';

export interface DeliveryWorkerOptions {
  allowPrivateUrls: boolean;
  timeoutMs: number;
  /** Give up (dead) once a delivery is this old. */
  maxAgeMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  onOutcome?: (outcome: 'delivered' | 'retry' | 'dead') => void;
}

/** Groups (webhook, instance) claimed per round, and deliveries per group: each group's go in order. */
const GROUPS = 20;
const RUN = 25;
/**
 * A claim lasts one attempt's timeout and a margin, and is extended while a run goes on: rows a
 * crashed worker had claimed are anyone's again within seconds (their order kept).
 */
const CLAIM_MARGIN_MS = 5_000;
const POLL_MS = 2_000;
const DISABLED_RECHECK_MS = 60_000;
const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;
/** How much of a receiver's answer is kept for the deliveries log; the rest is not even read. */
const RESPONSE_KEPT_BYTES = 2048;

interface Attempt {
  status: number | null;
  error: string | null;
  response: string | null;
  retryAfterMs?: number;
  /** The URL was refused before any request (private address): retrying cannot help. */
  refused?: boolean;
}

type Outcome = 'delivered' | 'retry' | 'dead';

/** Claimed rows by (webhook, instance), each group oldest first as claimed. */
function groupRuns(claimed: WebhookDelivery[]): WebhookDelivery[][] {
  const runs = new Map<string, WebhookDelivery[]>();
  for (const d of claimed) {
    const key = `${d.webhookId}\u0000${d.instanceId}`;
    const run = runs.get(key);
    if (run) run.push(d);
    else runs.set(key, [d]);
  }
  return [...runs.values()];
}

/** `Retry-After` as seconds or an HTTP date, in ms from now. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Delivers webhook rows: signed POSTs, retried with backoff and jitter (honouring Retry-After) until
 * they succeed or grow too old, in order per (webhook, instance). Rows, not memory: a restart resumes.
 */
export class DeliveryWorker {
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private readonly done: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
    private readonly options: DeliveryWorkerOptions,
  ) {
    this.done = this.run();
  }

  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.done;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let claimed: WebhookDelivery[] = [];
      try {
        const now = new Date();
        const lease = new Date(now.getTime() + this.claimMs());
        claimed = await this.store.webhookDeliveries.claimDue(now, lease, GROUPS, RUN);
        const hooks = await this.webhooksOf(claimed);
        await Promise.all(
          groupRuns(claimed).map((run) =>
            this.deliverRun(run, hooks.get(run[0]?.webhookId ?? ''), lease.getTime()),
          ),
        );
      } catch (err) {
        this.logger.error({ err }, 'webhook delivery round failed');
      }
      if (claimed.length === 0 && !this.stopped) await this.idle();
    }
  }

  private async idle(): Promise<void> {
    const next = await this.store.webhookDeliveries.nextDueAt().catch(() => undefined);
    const ms = next ? Math.min(POLL_MS, Math.max(0, next.getTime() - Date.now())) : POLL_MS;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
  }

  private claimMs(): number {
    return this.options.timeoutMs + CLAIM_MARGIN_MS;
  }

  /**
   * The webhooks of a round's deliveries, each read once as the round starts: a change (disabled,
   * deleted) shows from the next round, at most RUN deliveries later.
   */
  private async webhooksOf(claimed: WebhookDelivery[]): Promise<Map<string, Webhook | undefined>> {
    const hooks = new Map<string, Webhook | undefined>();
    for (const id of new Set(claimed.map((d) => d.webhookId)))
      hooks.set(id, await this.store.webhooks.get(id));
    return hooks;
  }

  /**
   * One group's claimed rows, oldest first. A row that is to be retried holds back the rest, which
   * are given back to be claimed again behind it; a dead one does not (it is settled). On stop,
   * what is not yet attempted is given back too, so a shutdown waits for one delivery per group.
   */
  private async deliverRun(
    run: WebhookDelivery[],
    hook: Webhook | undefined,
    claimedUntil: number,
  ): Promise<void> {
    let until = claimedUntil;
    for (const [i, d] of run.entries()) {
      const rest = () => run.slice(i).map((r) => r.id);
      if (this.stopped) {
        await this.store.webhookDeliveries.release(rest(), new Date());
        return;
      }
      // the next attempt may take its whole timeout: the claim must outlast it
      if (Date.now() + this.options.timeoutMs + 1_000 > until) {
        until = Date.now() + this.claimMs();
        await this.store.webhookDeliveries.extendClaim(rest(), new Date(until));
      }
      let outcome: Outcome = 'retry';
      try {
        outcome = await this.deliver(d, hook);
      } catch (err) {
        this.logger.error({ err, deliveryId: d.id, webhookId: d.webhookId }, 'webhook delivery failed');
      }
      if (outcome === 'retry') {
        const behind = run.slice(i + 1).map((r) => r.id);
        if (behind.length) await this.store.webhookDeliveries.release(behind, new Date());
        return;
      }
    }
  }

  private async deliver(d: WebhookDelivery, hook: Webhook | undefined): Promise<Outcome> {
    if (!hook) {
      // deleted by another process just as this event was written
      await this.store.webhookDeliveries.markDead(d.id, null, 'the webhook was deleted', null);
      return 'dead';
    }
    if (!hook.enabled) {
      // a paused webhook keeps its backlog; it goes out (in order) once the webhook is enabled again
      await this.store.webhookDeliveries.markRetry(
        d.id,
        new Date(Date.now() + DISABLED_RECHECK_MS),
        null,
        'webhook disabled',
        null,
      );
      return 'retry';
    }
    const attempt = await this.post(hook.url, hook.secret, d);
    const deliveries = this.store.webhookDeliveries;
    if (attempt.status !== null && attempt.status >= 200 && attempt.status < 300) {
      await deliveries.markDelivered(d.id, attempt.status, attempt.response, new Date());
      this.options.onOutcome?.('delivered');
      return 'delivered';
    }
    const error = attempt.error ?? `receiver answered ${attempt.status}`;
    const retryable = attempt.status === null ? !attempt.refused : RETRYABLE(attempt.status);
    const tooOld = Date.now() - d.createdAt.getTime() > this.options.maxAgeMs;
    if (!retryable || tooOld) {
      await deliveries.markDead(
        d.id,
        attempt.status,
        tooOld ? `gave up after ${d.attempts} attempts: ${error}` : error,
        attempt.response,
      );
      this.logger.warn(
        { deliveryId: d.id, webhookId: d.webhookId, status: attempt.status, error },
        'webhook delivery dead',
      );
      this.options.onOutcome?.('dead');
      return 'dead';
    }
    const backoff = reconnectDelay(d.attempts, this.options.retryBaseMs, this.options.retryMaxMs);
    const at = new Date(Date.now() + Math.max(backoff, attempt.retryAfterMs ?? 0));
    await deliveries.markRetry(d.id, at, attempt.status, error, attempt.response);
    this.options.onOutcome?.('retry');
    return 'retry';
  }

  /**
   * One signed POST with undici's `request` (not `fetch`: its WHATWG objects cost more CPU than the
   * rest of a delivery), no redirect followed, and the whole attempt, connection and answer, within
   * the timeout. The status is the answer: past the first bytes kept, the body is not read.
   */
  private async post(url: string, secret: string, d: WebhookDelivery): Promise<Attempt> {
    try {
      await assertFetchableUrl(url, this.options.allowPrivateUrls);
    } catch (err) {
      if (err instanceof UrlRefused)
        return { status: null, error: `refused: ${err.message}`, response: null, refused: true };
      throw err;
    }
    const timestamp = String(Math.floor(Date.now() / 1000));
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(TIMED_OUT), this.options.timeoutMs);
    const dispatcher = fetchDispatcher(this.options.allowPrivateUrls);
    try {
      const res = await request(url, {
        ...(dispatcher ? { dispatcher } : {}),
        method: 'POST',
        signal: abort.signal,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Zapgate-Webhook/1',
          'x-webhook-id': d.eventId,
          'x-webhook-event': d.event,
          'x-webhook-timestamp': timestamp,
          'x-webhook-signature': signPayload(secret, timestamp, d.payload),
          'x-webhook-delivery': d.id,
        },
        body: d.payload,
      });
      const head = await readHead(res.body, RESPONSE_KEPT_BYTES).catch(() => '');
      const retryAfterHeader = res.headers['retry-after'];
      return {
        status: res.statusCode,
        error: null,
        response: head,
        retryAfterMs: retryAfter(typeof retryAfterHeader === 'string' ? retryAfterHeader : null),
      };
    } catch (err) {
      const refused = refusalOf(err);
      if (refused)
        return { status: null, error: `refused: ${refused.message}`, response: null, refused: true };
      return {
        status: null,
        error: err === TIMED_OUT ? `no answer in ${this.options.timeoutMs} ms` : (err as Error).message,
        response: null,
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The reason an attempt that ran out of time is aborted with (made once: an abort makes none). */
const TIMED_OUT = new Error('webhook attempt timed out');

/**
 * The first `limit` bytes of a body as text; past them the body is destroyed (its connection
 * closed), so an endless or huge answer costs `limit` of memory.
 */
async function readHead(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks, Math.min(size, limit)).toString('utf8');
}
