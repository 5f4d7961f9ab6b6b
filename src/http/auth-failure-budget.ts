const MINUTE = 60_000;
/** Addresses kept at most; past it, windows that ended are dropped first, then the oldest. */
const MAX_ADDRESSES = 50_000;

export interface FailureVerdict {
  /** Over the budget: answer 429 (or refuse the handshake) instead of 401. */
  limited: boolean;
  /** This failure is the first over the budget in its window (worth one log line). */
  firstOver: boolean;
  retryAfterSeconds: number;
}

/**
 * `AUTH_FAILURES_PER_MINUTE` per client address, for everything that takes a key: HTTP requests
 * and socket.io handshakes draw on the same budget, so a client cannot try keys twice as fast by
 * using both. Only failures are counted: a valid key from the same address keeps working.
 */
export class AuthFailureBudget {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one failed authentication from `address`. */
  fail(address: string): FailureVerdict {
    if (this.perMinute === 0) return { limited: false, firstOver: false, retryAfterSeconds: 0 };
    const at = this.now();
    let window = this.windows.get(address);
    if (!window || window.endsAt <= at) {
      if (this.windows.size >= MAX_ADDRESSES) this.prune(at);
      window = { count: 0, endsAt: at + MINUTE };
      this.windows.set(address, window);
    }
    window.count++;
    return {
      limited: window.count > this.perMinute,
      firstOver: window.count === this.perMinute + 1,
      retryAfterSeconds: Math.max(1, Math.ceil((window.endsAt - at) / 1000)),
    };
  }

  private prune(at: number): void {
    for (const [address, window] of this.windows) if (window.endsAt <= at) this.windows.delete(address);
    // still full: drop the oldest (a Map iterates in insertion order)
    for (const address of this.windows.keys()) {
      if (this.windows.size < MAX_ADDRESSES) break;
      this.windows.delete(address);
    }
  }
}
