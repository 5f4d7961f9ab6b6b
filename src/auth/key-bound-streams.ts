import type { Principal } from '../domain/tenant.ts';

/** How often the keys of open streams are looked up again: revocations made by other processes. */
export const RECHECK_MS = 5_000;

const ADMIN = 'admin';

interface Held {
  tenantId: string | undefined;
  end: () => void;
}

/**
 * The long-lived connections (SSE streams, socket.io sockets) opened with each API key. A key that
 * is revoked, rotated away or loses its tenant ends them: at once when that happens in this
 * process, and within `RECHECK_MS` when another process of a fleet did it.
 */
export class KeyBoundStreams {
  private readonly byKey = new Map<string, Set<Held>>();
  private timer: NodeJS.Timeout | undefined;

  /** `activeKeys(tenantId)`: the ids of the tenant's keys still valid (none for a deleted tenant). */
  constructor(private readonly activeKeys: (tenantId: string) => Promise<Set<string>>) {}

  /** How many streams the principal's key holds open now. */
  count(principal: Principal): number {
    return this.byKey.get(keyOf(principal))?.size ?? 0;
  }

  /** Holds `end` until the returned release is called; `end` runs if the key stops being valid. */
  bind(principal: Principal, end: () => void): () => void {
    const key = keyOf(principal);
    const held: Held = { tenantId: principal.kind === 'tenant' ? principal.tenantId : undefined, end };
    let set = this.byKey.get(key);
    if (!set) {
      set = new Set();
      this.byKey.set(key, set);
    }
    set.add(held);
    this.startRecheck();
    return () => this.release(key, held);
  }

  /** Ends the streams of these keys. */
  endKeys(keyIds: Iterable<string>): void {
    for (const id of keyIds) {
      if (id === ADMIN) continue;
      for (const held of [...(this.byKey.get(id) ?? [])]) this.end(id, held);
    }
  }

  /** Ends the streams of every key of the tenant. */
  endTenant(tenantId: string): void {
    for (const [key, set] of [...this.byKey])
      for (const held of [...set]) if (held.tenantId === tenantId) this.end(key, held);
  }

  /** Looks up the keys of every open tenant stream and ends those whose key is no longer valid. */
  async recheck(): Promise<void> {
    const tenants = new Set<string>();
    for (const set of this.byKey.values())
      for (const held of set) if (held.tenantId) tenants.add(held.tenantId);
    for (const tenantId of tenants) {
      const active = await this.activeKeys(tenantId);
      for (const [key, set] of [...this.byKey])
        for (const held of [...set]) if (held.tenantId === tenantId && !active.has(key)) this.end(key, held);
    }
  }

  private end(key: string, held: Held): void {
    this.release(key, held);
    held.end();
  }

  private release(key: string, held: Held): void {
    const set = this.byKey.get(key);
    if (!set?.delete(held)) return;
    if (set.size === 0) this.byKey.delete(key);
    if (this.byKey.size === 0) this.stopRecheck();
  }

  private startRecheck(): void {
    if (this.timer) return;
    // a failed lookup leaves the streams open until the next round: the database may be back by then
    this.timer = setInterval(() => void this.recheck().catch(() => undefined), RECHECK_MS);
    this.timer.unref();
  }

  private stopRecheck(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}

const keyOf = (principal: Principal): string => (principal.kind === 'admin' ? ADMIN : principal.keyId);
