import { randomBytes } from 'node:crypto';

/**
 * Bytes that open like a real file of their type (what file-type sniffs), then random filler up to
 * `size`: enough for the gateway to tell the type, cheap to make, different every time.
 */
const withHead = (head: Buffer, size: number): Buffer =>
  Buffer.concat([head, randomBytes(Math.max(0, size - head.length))]);

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

/** PNG signature, an IHDR chunk and one IDAT chunk holding the filler. */
export const pngBytes = (size: number) => {
  const filler = Math.max(0, size - 57);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    u32(13),
    Buffer.from('IHDR'),
    u32(1),
    u32(1),
    Buffer.from([8, 6, 0, 0, 0]),
    u32(0),
    u32(filler),
    Buffer.from('IDAT'),
    randomBytes(filler),
    u32(0),
    u32(0),
    Buffer.from('IEND'),
    u32(0),
  ]);
};

/** An ISO base media `ftyp` box with the isom brand. */
export const mp4Bytes = (size: number) =>
  withHead(Buffer.concat([u32(24), Buffer.from('ftypisom'), u32(0x200), Buffer.from('isomiso2')]), size);

/** An Ogg page carrying an Opus head, as a WhatsApp voice note starts. */
export const oggOpusBytes = (size: number) =>
  withHead(
    Buffer.concat([
      Buffer.from('OggS'),
      Buffer.from([0, 2]),
      Buffer.alloc(20),
      Buffer.from([1, 19]),
      Buffer.from('OpusHead'),
      Buffer.from([1, 1, 0x38, 1, 0x80, 0xbb, 0, 0, 0, 0, 0]),
    ]),
    size,
  );

/** A RIFF WEBP header, as a sticker starts. */
export const webpBytes = (size: number) =>
  withHead(Buffer.concat([Buffer.from('RIFF'), u32(0), Buffer.from('WEBPVP8 ')]), size);
