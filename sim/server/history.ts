import { randomBytes } from 'node:crypto';
import type { proto } from 'baileys';
import type { Directory } from '../network/directory.ts';
import type { Account } from '../network/model.ts';
import { S_WA } from '../wire/binary-node.ts';
import type { HistorySyncOptions } from './sim-core.ts';

/**
 * The chats a phone hands a newly linked device: the account's contacts (and made-up numbers past
 * them), each with a run of alternating inbound and outbound texts, newest last.
 */
export function buildHistory(
  directory: Directory,
  account: Account,
  options: HistorySyncOptions,
): {
  conversations: proto.IConversation[];
  pushnames: proto.IPushname[];
  phoneNumberToLidMappings: proto.IPhoneNumberToLIDMapping[];
} {
  const known = [...directory.contacts.values()];
  const conversations: proto.IConversation[] = [];
  const pushnames: proto.IPushname[] = [];
  const phoneNumberToLidMappings: proto.IPhoneNumberToLIDMapping[] = [];
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < options.chats; i++) {
    const contact = known[i];
    const phone = contact?.phone ?? `1999${String(i).padStart(7, '0')}`;
    const jid = `${phone}@${S_WA}`;
    const lidJid = contact ? `${contact.lidUser}@lid` : undefined;
    if (contact) pushnames.push({ id: jid, pushname: contact.name });
    if (lidJid) phoneNumberToLidMappings.push({ pnJid: jid, lidJid });
    const messages: proto.IHistorySyncMsg[] = [];
    for (let m = 0; m < options.messagesPerChat; m++) {
      const fromMe = m % 2 === 1;
      messages.push({
        msgOrderId: m + 1,
        message: {
          key: { remoteJid: jid, fromMe, id: `HIST${randomBytes(6).toString('hex').toUpperCase()}` },
          message: { conversation: `history ${i + 1}.${m + 1} ${fromMe ? 'from' : 'to'} ${account.phone}` },
          messageTimestamp: now - (options.messagesPerChat - m) * 60,
          status: fromMe ? 4 : 2,
        },
      });
    }
    // the chat's name as the phone's address book has it, and unread when the newest is theirs
    const lastIsTheirs = options.messagesPerChat % 2 === 1;
    conversations.push({
      id: jid,
      messages,
      conversationTimestamp: now,
      unreadCount: lastIsTheirs ? 1 : 0,
      ...(contact ? { name: contact.name, lidJid } : {}),
    });
  }
  return { conversations, pushnames, phoneNumberToLidMappings };
}
