import type { MessageContent } from '../domain/message.ts';
import { normalizePhone } from '../domain/phone.ts';
import {
  argbColor,
  MAX_STATUS_CONTACTS,
  STATUS_BROADCAST_JID,
  STATUS_FONTS,
  type StatusType,
} from '../domain/status.ts';
import { Errors } from '../errors.ts';
import { type PreparedMessage, prepareMessage } from './message-input.ts';

/** A status update as the API accepts it: its content, and who may see it. */
export interface StatusInput {
  type: StatusType;
  /** Phone numbers (or their user jids) the status is shown to. */
  contacts: string[];
  text?: string;
  backgroundColor?: string;
  font?: number;
  url?: string;
  base64?: string;
  mimetype?: string;
  caption?: string;
  /** Seconds after which a status still queued is failed instead of sent. */
  ttl?: number;
}

const invalid = (field: string, why: string) => Errors.validation(`${field} ${why}`, { field });

/** The audience as phone numbers, each once, in the order given. */
function audienceOf(contacts: string[]): string[] {
  if (contacts.length === 0) throw invalid('contacts', 'must list at least one phone number');
  const phones = contacts.map((contact, i) => {
    const user = /^(\d+)(:\d+)?@s\.whatsapp\.net$/.exec(contact.trim())?.[1];
    const phone = normalizePhone(user ?? contact);
    if (!phone)
      throw invalid(`contacts[${i}]`, `must be a phone number in international form, got "${contact}"`);
    return phone;
  });
  const unique = [...new Set(phones)];
  if (unique.length > MAX_STATUS_CONTACTS)
    throw invalid('contacts', `may list at most ${MAX_STATUS_CONTACTS} phone numbers`);
  return unique;
}

/** Background and font: text statuses only, within what WhatsApp shows. */
function styleOf(input: StatusInput): MessageContent {
  const { backgroundColor, font } = input;
  if (backgroundColor === undefined && font === undefined) return {};
  if (input.type !== 'text') throw invalid('backgroundColor', 'and font are for text statuses only');
  const color = backgroundColor === undefined ? undefined : argbColor(backgroundColor);
  if (backgroundColor !== undefined && !color)
    throw invalid('backgroundColor', `must be a hex colour (#RRGGBB or #AARRGGBB), got "${backgroundColor}"`);
  if (font !== undefined && !(STATUS_FONTS as readonly number[]).includes(font))
    throw invalid('font', `must be one of ${STATUS_FONTS.join(', ')}`);
  return { ...(color ? { backgroundColor: color } : {}), ...(font !== undefined ? { font } : {}) };
}

/**
 * Validates a status update and turns it into an outbox row to `status@broadcast`: its content is
 * checked as the same message sent to a chat would be, the audience kept beside it. Coded 400s.
 */
export function prepareStatus(input: StatusInput): PreparedMessage {
  const contacts = audienceOf(input.contacts);
  const style = styleOf(input);
  const { type, text, url, base64, mimetype, caption } = input;
  const prepared = prepareMessage({
    to: contacts[0] ?? '',
    type,
    ...(text !== undefined ? { text } : {}),
    ...(url !== undefined ? { url } : {}),
    ...(base64 !== undefined ? { base64 } : {}),
    ...(mimetype !== undefined ? { mimetype } : {}),
    ...(caption !== undefined ? { caption } : {}),
  });
  return {
    ...prepared,
    chatJid: STATUS_BROADCAST_JID,
    content: { ...prepared.content, ...style, statusContacts: contacts },
  };
}
