import { newRowId, newWaMessageId } from '../domain/ids.ts';
import { Errors, ZapgateError } from '../errors.ts';
import type { NewMessage } from '../store/repositories.ts';
import { type CampaignMessage, contentFor } from './campaign-message.ts';
import { MAX_CAMPAIGN_TEXT, type Vars } from './campaign-template.ts';
import { chatJidOf } from './message-input.ts';

export const MAX_RECIPIENTS = 10_000;

export interface CampaignRecipient {
  to: string;
  vars?: Vars;
}

/** A recipient given more than once: as normalised (phone digits, or the group jid), and how often. */
export interface DuplicateRecipient {
  to: string;
  count: number;
}

export interface CampaignOf {
  id: string;
  instanceId: string;
  tenantId: string | null;
  startAt: Date | null;
}

interface Collected {
  rows: NewMessage[];
  missing: Array<{ index: number; to: string; missing: string[] }>;
  tooLong: Array<{ index: number; to: string; length: number }>;
  totalLength: number;
}

/** How a recipient reads in the answer: the digits of a phone, a group as its jid. */
const shownAs = (chatJid: string): string => chatJid.replace(/@s\.whatsapp\.net$/, '');

/** Each line's chat, and the chats given more than once, in the order first seen. */
function duplicatesOf(chats: string[]): DuplicateRecipient[] {
  const counts = new Map<string, number>();
  for (const chat of chats) counts.set(chat, (counts.get(chat) ?? 0) + 1);
  return [...counts].filter(([, count]) => count > 1).map(([chat, count]) => ({ to: shownAs(chat), count }));
}

/**
 * One queued row per recipient (per distinct recipient with `dedupe`, the first line of each
 * winning), the message's template filled from each line's variables; every line that lacks a
 * variable or fills past the limit is reported at once.
 */
export function campaignRows(
  message: CampaignMessage,
  recipients: CampaignRecipient[],
  dedupe: boolean,
  campaign: CampaignOf,
): { rows: NewMessage[]; duplicates: DuplicateRecipient[] } {
  if (recipients.length === 0)
    throw Errors.validation('recipients must not be empty', { field: 'recipients' });
  if (recipients.length > MAX_RECIPIENTS)
    throw Errors.validation(`at most ${MAX_RECIPIENTS} recipients per campaign`, { field: 'recipients' });
  const chats = recipients.map((r, index) => chatOf(r.to, index, message));
  const seen = new Set<string>();
  const out: Collected = { rows: [], missing: [], tooLong: [], totalLength: 0 };
  recipients.forEach((r, index) => {
    const chatJid = chats[index] ?? '';
    if (dedupe && seen.has(chatJid)) return;
    seen.add(chatJid);
    collect(out, message, campaign, { index, to: r.to, chatJid, vars: r.vars ?? {} });
  });
  reportProblems(out, message);
  return { rows: out.rows, duplicates: duplicatesOf(chats) };
}

/** A line's chat jid; a coded 400 naming the line when it is not one, or not a group for `mentions: "all"`. */
function chatOf(to: string, index: number, message: CampaignMessage): string {
  const field = `recipients[${index}].to`;
  let chatJid: string;
  try {
    chatJid = chatJidOf(to);
  } catch {
    throw Errors.validation(`${field} "${to}" is not a phone number or a group jid`, { field });
  }
  if (message.content.mentionAll && !chatJid.endsWith('@g.us'))
    throw new ZapgateError(
      'ZG_ERR_NOT_A_GROUP',
      400,
      `mentions "all" mentions every participant of a group; ${field} "${to}" is not a group`,
      { field },
    );
  return chatJid;
}

function collect(
  out: Collected,
  message: CampaignMessage,
  campaign: CampaignOf,
  line: { index: number; to: string; chatJid: string; vars: Vars },
): void {
  const filled = contentFor(message, line.vars);
  if ('missing' in filled) out.missing.push({ index: line.index, to: line.to, missing: filled.missing });
  else if ('tooLong' in filled) out.tooLong.push({ index: line.index, to: line.to, length: filled.tooLong });
  else if (out.missing.length === 0 && out.tooLong.length === 0) {
    out.totalLength += filled.length;
    if (out.totalLength > MAX_CAMPAIGN_TEXT)
      throw Errors.validation(
        `the campaign renders to more than ${MAX_CAMPAIGN_TEXT} characters in all: split it into smaller campaigns`,
        { field: 'recipients' },
      );
    out.rows.push(rowOf(message, campaign, line.chatJid, filled.content));
  }
}

function reportProblems(out: Collected, message: CampaignMessage): void {
  if (out.missing.length) {
    const names = [...new Set(out.missing.flatMap((m) => m.missing))];
    throw Errors.validation(`the template uses variables some recipients lack: ${names.join(', ')}`, {
      missing: out.missing.slice(0, 100),
    });
  }
  if (out.tooLong.length) {
    const field = message.fieldPrefix ? `${message.fieldPrefix}${message.templated?.field}` : 'template';
    throw Errors.validation(
      `the filled ${field} is longer than ${message.templated?.maxLength} characters for ${out.tooLong.length} recipient(s)`,
      { field, tooLong: out.tooLong.slice(0, 100) },
    );
  }
}

function rowOf(
  message: CampaignMessage,
  campaign: CampaignOf,
  chatJid: string,
  content: NewMessage['content'],
): NewMessage {
  const startsAt = campaign.startAt?.getTime() ?? Date.now();
  return {
    id: newRowId(),
    instanceId: campaign.instanceId,
    tenantId: campaign.tenantId,
    waMessageId: newWaMessageId(),
    direction: 'outbound',
    chatJid,
    type: message.type,
    content,
    status: 'queued',
    campaignId: campaign.id,
    nextAttemptAt: campaign.startAt,
    ...(message.ttl ? { expiresAt: new Date(startsAt + message.ttl * 1000) } : {}),
  };
}
