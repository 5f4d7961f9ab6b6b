/** What `readBounded` read: at most `limit` bytes, and whether the body went on past them. */
export interface BoundedBody {
  bytes: Buffer;
  /** The body had more than `limit` bytes; the rest was not read, and the request was aborted. */
  truncated: boolean;
}

/**
 * Reads a response body up to `limit` bytes and no further: past it the stream is cancelled (which
 * aborts the request and closes its connection), so an endless or huge body costs `limit` of memory.
 */
export async function readBounded(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<BoundedBody> {
  if (!body) return { bytes: Buffer.alloc(0), truncated: false };
  const reader = body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: Buffer.concat(chunks, size), truncated: false };
      const room = limit - size;
      if (value.byteLength > room) {
        if (room > 0) chunks.push(Buffer.from(value.buffer, value.byteOffset, room));
        await reader.cancel().catch(() => {});
        return { bytes: Buffer.concat(chunks, limit), truncated: true };
      }
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      size += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
}
