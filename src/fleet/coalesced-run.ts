/**
 * Runs `work` when poked, one run at a time: a poke during a run means one more run after it
 * (whatever arrived meanwhile is looked at), however many pokes came.
 */
export class CoalescedRun {
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(private readonly work: () => Promise<void>) {}

  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.work().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  /** No run starts after this; resolves once the current one has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.running) await this.running;
  }
}
