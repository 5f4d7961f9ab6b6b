import { extractImageThumb, type WAUrlInfo } from 'baileys';
import type { OutgoingLinkPreview } from '../engine.ts';

/** WhatsApp's card thumbnails are small JPEGs; this is the width Baileys uses for its own. */
const THUMBNAIL_WIDTH = 192;

/** A ready link preview as Baileys takes it; an image that cannot be shrunk leaves the card without one. */
export async function urlInfoOf(
  preview: OutgoingLinkPreview,
  warn: (fields: Record<string, unknown>, message: string) => void,
): Promise<WAUrlInfo> {
  let jpegThumbnail: Buffer | undefined;
  if (preview.thumbnail) {
    try {
      jpegThumbnail = (await extractImageThumb(preview.thumbnail, THUMBNAIL_WIDTH)).buffer;
    } catch (err) {
      warn({ reason: (err as Error).message }, 'link preview thumbnail is not an image; sent without it');
    }
  }
  return {
    'canonical-url': preview.url,
    'matched-text': preview.url,
    title: preview.title,
    ...(preview.description ? { description: preview.description } : {}),
    ...(jpegThumbnail ? { jpegThumbnail } : {}),
  };
}
