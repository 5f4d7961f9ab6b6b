/**
 * Work run one at a time per key, in the order it was asked for; different keys run side by side.
 * What arrives on one connection is recorded in arrival order this way, so its events keep it.
 */
export class SerialByKey {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` after the key's earlier work; a failure goes to `onError` and never stops the line. */
  run(key: string, work: () => Promise<void>, onError: (err: unknown) => void): Promise<void> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(work).catch(onError);
    this.tails.set(key, next);
    void next.finally(() => {
      if (this.tails.get(key) === next) this.tails.delete(key);
    });
    return next;
  }

  /** Resolves when the key's work asked for so far has run. */
  idle(key: string): Promise<void> {
    return this.tails.get(key) ?? Promise.resolve();
  }
}
