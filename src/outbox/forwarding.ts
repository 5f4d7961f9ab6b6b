import type { Message, MessageContent } from '../domain/message.ts';
import { ZapgateError } from '../errors.ts';
import type { Store } from '../store/repositories.ts';
import { isMediaType, type PreparedMessage } from './message-input.ts';

/** The content fields a copy carries: what the message is, not who sent it nor what became of it. */
const COPIED: ReadonlyArray<keyof MessageContent> = [
  'text',
  'caption',
  'mimetype',
  'fileName',
  'voice',
  'size',
  'latitude',
  'longitude',
  'name',
  'address',
  'displayName',
  'vcard',
  'options',
  'selectableCount',
  'linkPreview',
];

const notForwardable = (id: string, why: string) =>
  new ZapgateError('ZG_ERR_NOT_FORWARDABLE', 422, `message ${id} cannot be forwarded: ${why}`, {
    field: 'messageId',
  });

/** Why a stored message cannot be sent again as it is, or undefined when it can. */
function refusal(message: Message, hasBytes: boolean): string | undefined {
  const c = message.content;
  if (c.revoked) return 'it was deleted for everyone';
  if (message.type === 'reaction') return 'a reaction belongs to the message it reacts to';
  if (c.viewOnce) return 'a view-once message is not forwarded (WhatsApp does not either)';
  if (isMediaType(message.type) && !hasBytes && !c.url)
    return `its media was not kept${c.mediaError ? ` (${c.mediaError})` : ''}`;
  return undefined;
}

/**
 * A stored message of this instance (sent or received) as a new row for `chatJid`, marked forwarded:
 * its content, and its media bytes copied (they are the row's own, so retention of the original
 * cannot take them), or its URL when it was sent by URL and kept no bytes. Received media is
 * forwardable when its bytes were kept (under INBOUND_MEDIA_MAX_BYTES and downloaded).
 */
export async function forwardedMessage(
  store: Store,
  instanceId: string,
  messageId: string,
  chatJid: string,
): Promise<PreparedMessage> {
  const original = await store.messages.find(instanceId, messageId);
  if (!original)
    throw new ZapgateError(
      'ZG_ERR_UNKNOWN_MESSAGE',
      404,
      `no message ${messageId} in this instance's history`,
      {
        field: 'messageId',
      },
    );
  const bytes = isMediaType(original.type) ? await store.messageMedia.get(original.id) : undefined;
  const why = refusal(original, Boolean(bytes));
  if (why) throw notForwardable(messageId, why);
  const content: MessageContent = {};
  for (const field of COPIED) {
    const value = original.content[field];
    if (value !== undefined) Object.assign(content, { [field]: value });
  }
  if (!bytes && original.content.url) content.url = original.content.url;
  // as WhatsApp counts: each forward adds one (5 and more shows "forwarded many times")
  content.forwardingScore = (original.content.forwardingScore ?? 0) + 1;
  content.forwardedFrom = original.id;
  return { chatJid, type: original.type, content, ...(bytes ? { media: bytes } : {}) };
}
