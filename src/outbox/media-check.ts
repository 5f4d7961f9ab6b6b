import { fileTypeFromBuffer } from 'file-type';
import type { MediaType } from '../domain/message.ts';
import { Errors } from '../errors.ts';

/** The mime types each kind of media may be: the sniffed bytes and any declared type must fit. */
const KINDS: Readonly<Record<Exclude<MediaType, 'document'>, readonly string[]>> = {
  image: ['image/'],
  sticker: ['image/'],
  video: ['video/'],
  audio: ['audio/', 'application/ogg'],
};

const essence = (mime: string): string => (mime.split(';')[0] ?? '').trim().toLowerCase();
const fits = (type: Exclude<MediaType, 'document'>, mime: string): boolean =>
  KINDS[type].some((prefix) => essence(mime).startsWith(prefix));

/**
 * Checks inline media bytes against what they are sent as, and gives the mime type to send them
 * with. An image, sticker, video or audio must be bytes of that kind (file-type sniffs them), and a
 * declared mimetype of that kind too (not the exact subtype: image/jpg for a JPEG still goes); a
 * document may be any file.
 */
export async function checkedMimetype(
  type: MediaType,
  bytes: Buffer,
  declared: string | undefined,
): Promise<string | undefined> {
  const sniffed = (await fileTypeFromBuffer(bytes))?.mime;
  if (type === 'document') return declared ?? sniffed;
  if (declared && !fits(type, declared))
    throw Errors.invalidMedia(`mimetype ${declared} is not a mime type for a ${type}`, 'mimetype');
  if (!sniffed || !fits(type, sniffed))
    throw Errors.invalidMedia(
      `the bytes are not a${type === 'audio' || type === 'image' ? 'n' : ''} ${type} (${sniffed ? `they are ${sniffed}` : 'no known format'})`,
      'media',
    );
  return declared ?? sniffed;
}
