export interface TurnBatchOptions<T> {
  /** Items of different parts are written apart (a part per statement shape, say). */
  partOf?: (item: T) => string;
  /** At most this many items per write (the statement's bound values stay within limits). */
  most?: number;
  /** A write of several items that fails is tried again item by item, so only the bad one fails. */
  oneByOne?: boolean;
  /**
   * One write at a time: items added while one runs wait for it and go together in the next, so
   * the batches grow with the load (a group commit) rather than overlapping.
   */
  serial?: boolean;
}

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes asked for in one turn of the event loop, done together: `add` resolves with its item's
 * result once `write` has written the items it went with. Twenty instances doing one thing each at
 * once are then one statement, not twenty (on PostgreSQL, twenty round trips). `write` answers one
 * result per item, in order; if it throws, every item it was given fails with that error.
 */
export class TurnBatch<T, R = void> {
  private pending: Array<Pending<T, R>> = [];
  private flushing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<R[] | undefined>,
    private readonly options: TurnBatchOptions<T> = {},
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length === 1 && !this.flushing) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.options.serial === true;
    for (const part of this.partsOf(batch)) await this.writePart(part, this.options.oneByOne === true);
    if (!this.flushing) return;
    this.flushing = false;
    // what was added meanwhile waited for this write
    if (this.pending.length > 0) setImmediate(() => void this.flush());
  }

  /** The batch in parts, in the order their first items came; each item's key keeps its order. */
  private partsOf(batch: Array<Pending<T, R>>): Array<Array<Pending<T, R>>> {
    const { partOf, most = batch.length } = this.options;
    const parts: Array<Array<Pending<T, R>>> = [];
    const open = new Map<string, Array<Pending<T, R>>>();
    for (const p of batch) {
      const key = partOf?.(p.item) ?? '';
      let part = open.get(key);
      if (!part || part.length >= most) {
        part = [];
        open.set(key, part);
        parts.push(part);
      }
      part.push(p);
    }
    return parts;
  }

  private async writePart(part: Array<Pending<T, R>>, oneByOne: boolean): Promise<void> {
    try {
      const results = await this.write(part.map((p) => p.item));
      for (const [i, p] of part.entries()) p.resolve(results?.[i] as R);
    } catch (error) {
      if (!oneByOne || part.length === 1) for (const p of part) p.reject(error);
      else for (const p of part) await this.writePart([p], false);
    }
  }
}
