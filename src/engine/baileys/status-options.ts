import type { MiscMessageGenerationOptions } from 'baileys';
import { STATUS_BROADCAST_JID } from '../../domain/status.ts';
import { type OutgoingMessage, SendError } from '../engine.ts';

/**
 * What Baileys needs besides the content to post a status update: the audience (each contact's
 * devices get the sender key), the broadcast flag, and a text status's background and font.
 */
export function statusSendOptions(m: OutgoingMessage): Partial<MiscMessageGenerationOptions> {
  if (m.chatJid !== STATUS_BROADCAST_JID) return {};
  const contacts = m.content.statusContacts ?? [];
  if (contacts.length === 0)
    throw new SendError('ZG_ERR_INVALID_CONTENT', 'a status update without contacts to show it to', false);
  const { backgroundColor, font } = m.content;
  return {
    statusJidList: contacts.map((phone) => `${phone}@s.whatsapp.net`),
    broadcast: true,
    ...(backgroundColor ? { backgroundColor } : {}),
    ...(font !== undefined ? { font } : {}),
  };
}
