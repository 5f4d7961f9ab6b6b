import type { Webhook } from '../repositories.ts';

/** How long a process trusts its list of an instance's webhooks when another process may change them. */
const TTL_MS = 1_000;
/** Entries kept at most (one per tenant and instance that had an event lately). */
const MAX_ENTRIES = 10_000;

/**
 * The webhooks that an event of (tenant, instance) goes to, kept between events: every message
 * sent or received publishes events, and looking the webhooks up each time was a query apiece.
 * Any change to a webhook made through this store clears it at once; changes made by another
 * process (fleet mode) are seen within a second.
 */
export class WebhookCandidateCache {
  private readonly entries = new Map<string, { hooks: Webhook[]; at: number }>();

  async get(tenantId: string | null, instanceId: string, load: () => Promise<Webhook[]>): Promise<Webhook[]> {
    const key = `${tenantId ?? ''}\u0000${instanceId}`;
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < TTL_MS) return hit.hooks;
    const hooks = await load();
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { hooks, at: now });
    return hooks;
  }

  clear(): void {
    this.entries.clear();
  }
}
