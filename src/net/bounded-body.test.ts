import { describe, expect, it } from 'vitest';
import { readBounded } from './bounded-body.ts';

/** A stream of `chunks` chunks of `size` bytes that records whether its reader cancelled it. */
function source(chunks: number, size: number) {
  const seen = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (seen.pulled === chunks) return controller.close();
      seen.pulled += 1;
      controller.enqueue(new Uint8Array(size).fill(seen.pulled));
    },
    cancel() {
      seen.cancelled = true;
    },
  });
  return { stream, seen };
}

describe('readBounded', () => {
  it('reads a body within the limit whole', async () => {
    const { stream, seen } = source(3, 10);
    const body = await readBounded(stream, 30);
    expect([body.bytes.length, body.truncated, seen.cancelled]).toEqual([30, false, false]);
  });

  it('stops at the limit of an endless body: the first bytes kept, the stream cancelled', async () => {
    const { stream, seen } = source(Number.POSITIVE_INFINITY, 1000);
    const body = await readBounded(stream, 2500);
    expect([body.bytes.length, body.truncated, seen.cancelled]).toEqual([2500, true, true]);
    expect([...body.bytes.subarray(1999, 2001)]).toEqual([2, 3]);
  });

  it('reads no body as empty', async () => {
    expect(await readBounded(null, 10)).toEqual({ bytes: Buffer.alloc(0), truncated: false });
  });
});
