import type { OutgoingMessage } from '../engine/engine.ts';
import type { Logger } from '../observability/logger.ts';
import { linkPreviewFor } from './link-preview.ts';

/** What a message needs from the moment it is sent: a link preview, its card. */
export async function withSendExtras(
  out: OutgoingMessage,
  allowPrivateUrls: boolean,
  log: Logger,
): Promise<OutgoingMessage> {
  const linkPreview = await linkPreviewFor(out.content, allowPrivateUrls, log);
  return { ...out, ...(linkPreview ? { linkPreview } : {}) };
}
