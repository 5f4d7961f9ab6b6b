/** Exponential backoff with ±25 % jitter, so a fleet of instances does not reconnect in lockstep. */
export function reconnectDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  const jitter = exponential * 0.25 * (random() * 2 - 1);
  return Math.max(0, Math.round(Math.min(maxMs, exponential + jitter)));
}
