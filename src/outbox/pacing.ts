/** How an instance spaces its sends so the number looks like a person, not a bot. 0 turns a knob off. */
export interface Pacing {
  minDelayMs: number;
  maxDelayMs: number;
  /** Show "typing…" before a text, for a time proportional to its length. */
  typing: boolean;
  /** Most messages per rolling 24 h; 0: no cap. */
  dailyLimit: number;
  /** New numbers start with this many per day, doubling each day up to `dailyLimit`; 0: no ramp. */
  warmupStart: number;
}

const TYPING_MS_PER_CHAR = 40;
const TYPING_MIN_MS = 500;
const TYPING_MAX_MS = 8_000;
const DAY_MS = 86_400_000;

export const PACING_KEYS = ['minDelayMs', 'maxDelayMs', 'typing', 'dailyLimit', 'warmupStart'] as const;

/** The instance's pacing: its own settings over the gateway's defaults. */
export function resolvePacing(defaults: Pacing, settings: Record<string, unknown> | undefined): Pacing {
  const own = (settings?.pacing ?? {}) as Partial<Pacing>;
  const num = (v: unknown, d: number) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : d);
  const minDelayMs = num(own.minDelayMs, defaults.minDelayMs);
  return {
    minDelayMs,
    maxDelayMs: Math.max(minDelayMs, num(own.maxDelayMs, defaults.maxDelayMs)),
    typing: typeof own.typing === 'boolean' ? own.typing : defaults.typing,
    dailyLimit: num(own.dailyLimit, defaults.dailyLimit),
    warmupStart: num(own.warmupStart, defaults.warmupStart),
  };
}

/** A random pause between two sends, uniform in [min, max]. */
export function delayBetweenSends(p: Pacing, random: () => number = Math.random): number {
  return Math.round(p.minDelayMs + (p.maxDelayMs - p.minDelayMs) * random());
}

/** How long to show "typing…" for a text of this length (0 when typing is off). */
export function typingTime(p: Pacing, text: string | undefined): number {
  if (!p.typing || !text) return 0;
  return Math.min(TYPING_MAX_MS, Math.max(TYPING_MIN_MS, text.length * TYPING_MS_PER_CHAR));
}

/** Messages allowed in 24 h for a number linked `ageMs` ago: the warm-up ramp under the daily cap. */
export function dailyAllowance(p: Pacing, ageMs: number): number {
  const cap = p.dailyLimit > 0 ? p.dailyLimit : Number.POSITIVE_INFINITY;
  if (p.warmupStart <= 0) return cap;
  const days = Math.max(0, Math.floor(ageMs / DAY_MS));
  return Math.min(cap, p.warmupStart * 2 ** Math.min(days, 30));
}
