import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

/** Random bytes drawn from a pool refilled 4 KiB at a time: a call to the system each was 3 µs. */
const pool = Buffer.alloc(4096);
let used = pool.length;

/** `count` fresh random bytes (at most 256), valid until the next call: copy them to keep them. */
function randomBytesFromPool(count: number): Buffer {
  if (used + count > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += count;
  return pool.subarray(used - count, used);
}

/**
 * The id of a row that many are written of (a message, an event): a UUID that starts with the time
 * (RFC 9562 version 7), so each new row's id goes at the end of the id index. A random one went
 * anywhere in it and dirtied a page of its own: at 50,000 messages an insert cost a fifth more.
 */
export const newRowId = (): string => v7({ random: randomBytesFromPool(16) });

/**
 * The WhatsApp id of an outbound message, chosen at insert so a re-send repeats it and recipients
 * drop the copy: the shape of Baileys' `generateMessageID` (`3EB0` and 36 hex digits), whose first
 * 12 digits here are the time in milliseconds and the other 24 random. Like a row id, each new one
 * then goes at the end of the instance's part of the WhatsApp id index: fully random, each insert
 * dirtied a page of its own, and at 100,000 messages an insert cost twice as much.
 */
export const newWaMessageId = (): string =>
  `3EB0${Date.now().toString(16).padStart(12, '0')}${randomBytesFromPool(12).toString('hex')}`.toUpperCase();
