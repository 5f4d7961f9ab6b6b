import { describe, expect, it } from 'vitest';
import { TurnBatch } from './turn-batch.ts';

describe('TurnBatch', () => {
  it('writes what was added in one turn together, and what comes after in a write of its own', async () => {
    const writes: number[][] = [];
    const batch = new TurnBatch<number, number>(async (items) => {
      writes.push(items);
      return items.map((n) => n * 10);
    });
    const first = await Promise.all([batch.add(1), batch.add(2), batch.add(3)]);
    const later = await batch.add(4);
    expect(first).toEqual([10, 20, 30]);
    expect(later).toBe(40);
    expect(writes).toEqual([[1, 2, 3], [4]]);
  });

  it('writes at most `most` items at a time, each part of its own key apart, in the order they came', async () => {
    const writes: string[][] = [];
    const batch = new TurnBatch<string>(
      async (items) => {
        writes.push(items);
        return undefined;
      },
      { most: 2, partOf: (item) => item.slice(0, 1) },
    );
    await Promise.all(['a1', 'b1', 'a2', 'a3', 'b2'].map((item) => batch.add(item)));
    expect(writes).toEqual([['a1', 'a2'], ['b1', 'b2'], ['a3']]);
  });

  it('fails every item of a write that throws, and only those', async () => {
    const batch = new TurnBatch<string>(
      async (items) => {
        if (items.includes('bad')) throw new Error('no');
        return undefined;
      },
      { partOf: (item) => (item === 'fine' ? 'fine' : 'other') },
    );
    const outcomes = await Promise.allSettled([batch.add('bad'), batch.add('with it'), batch.add('fine')]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });

  it('oneByOne: after a failed write, each item alone, so that only the bad one fails', async () => {
    const writes: string[][] = [];
    const batch = new TurnBatch<string, string>(
      async (items) => {
        writes.push(items);
        if (items.includes('bad')) throw new Error(`no: ${items.join()}`);
        return items.map((item) => item.toUpperCase());
      },
      { oneByOne: true },
    );
    const outcomes = await Promise.allSettled([batch.add('x'), batch.add('bad'), batch.add('y')]);
    expect(outcomes).toEqual([
      { status: 'fulfilled', value: 'X' },
      { status: 'rejected', reason: new Error('no: bad') },
      { status: 'fulfilled', value: 'Y' },
    ]);
    expect(writes).toEqual([['x', 'bad', 'y'], ['x'], ['bad'], ['y']]);
  });
  it('serial: one write at a time, what is added meanwhile going together in the next', async () => {
    const writes: number[][] = [];
    let running = 0;
    let overlapped = false;
    let started: () => void = () => {};
    const firstStarted = new Promise<void>((r) => {
      started = r;
    });
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const batch = new TurnBatch<number, number>(
      async (items) => {
        running++;
        overlapped ||= running > 1;
        writes.push(items);
        if (items[0] === 1) {
          started();
          await held;
        }
        await new Promise((r) => setTimeout(r, 5));
        running--;
        return items;
      },
      { serial: true },
    );
    const first = batch.add(1);
    await firstStarted;
    // added while the first write is held, over several turns of the event loop
    const meanwhile: Array<Promise<number>> = [batch.add(2)];
    await new Promise((r) => setImmediate(r));
    meanwhile.push(batch.add(3));
    await new Promise((r) => setTimeout(r, 10));
    meanwhile.push(batch.add(4));
    expect(writes).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...meanwhile])).toEqual([1, 2, 3, 4]);
    expect(writes).toEqual([[1], [2, 3, 4]]);
    expect(overlapped).toBe(false);
    expect(await batch.add(5)).toBe(5);
    expect(writes).toEqual([[1], [2, 3, 4], [5]]);
  });
});
