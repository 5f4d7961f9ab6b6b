import type { EngineConnection, OutgoingMessage } from '../engine/engine.ts';
import type { Logger } from '../observability/logger.ts';
import { linkPreviewFor } from './link-preview.ts';

/**
 * What a message needs from the moment it is sent: `mentions: "all"` becomes the group's
 * participants as they are now (the metadata the connection reads), and a link preview its card.
 */
export async function withSendExtras(
  out: OutgoingMessage,
  conn: EngineConnection,
  allowPrivateUrls: boolean,
  log: Logger,
): Promise<OutgoingMessage> {
  let content = out.content;
  if (content.mentionAll) {
    const group = await conn.groups.get(out.chatJid);
    content = { ...content, mentions: group.participants.map((p) => p.jid) };
  }
  const linkPreview = await linkPreviewFor(content, allowPrivateUrls, log);
  return { ...out, content, ...(linkPreview ? { linkPreview } : {}) };
}
