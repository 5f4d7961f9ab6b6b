/** A message's life in the outbox and the history: one row from `queued` to its last receipt. */
export const MESSAGE_STATUSES = [
  'queued',
  'sending',
  'sent',
  'delivered',
  'read',
  'played',
  'failed',
  'paused',
  'cancelled',
  'received',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const MESSAGE_TYPES = [
  'text',
  'image',
  'video',
  'audio',
  'document',
  'sticker',
  'location',
  'contact',
  'reaction',
  'poll',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
export const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

export type MessageDirection = 'outbound' | 'inbound';

/** Receipts only move a sent message forward: a late `delivered` never undoes `read`. */
export const RECEIPT_RANK: Readonly<Partial<Record<MessageStatus, number>>> = {
  sent: 1,
  delivered: 2,
  read: 3,
  played: 4,
};

/** The card WhatsApp shows under a text for a link in it. */
export interface LinkPreview {
  /** The link as it appears in the text. */
  url: string;
  title: string;
  description?: string;
  /** An image the gateway fetches when it sends, for the card's thumbnail. */
  thumbnailUrl?: string;
}

/** The content of a message, as stored: media bytes live in `message_media`, not here. */
export interface MessageContent {
  text?: string;
  caption?: string;
  mimetype?: string;
  fileName?: string;
  voice?: boolean;
  /** Where media comes from when it was given as a URL. */
  url?: string;
  /** Size in bytes of stored media. */
  size?: number;
  latitude?: number;
  longitude?: number;
  name?: string;
  address?: string;
  displayName?: string;
  vcard?: string;
  /** reaction: the WhatsApp id of the message reacted to; `emoji` '' removes it. */
  messageId?: string;
  emoji?: string;
  options?: string[];
  selectableCount?: number;
  /** A status update (chat `status@broadcast`): the phone numbers it is shown to. */
  statusContacts?: string[];
  /** A text status: its background (`#AARRGGBB`) and font (see `domain/status.ts`). */
  backgroundColor?: string;
  font?: number;
  replyTo?: string;
  mentions?: string[];
  /** Deleted for everyone after it was sent. */
  revoked?: boolean;
  /** Why inbound media could not be kept (too large, download failed). */
  mediaError?: string;
  /** Changed by its sender after it was sent. */
  edited?: boolean;
  /** image, video, audio: opened once by the recipient, then gone. */
  viewOnce?: boolean;
  /** Group sends: every participant is mentioned, the jids filled in when it is sent. */
  mentionAll?: boolean;
  /** A forwarded copy: how many times it was forwarded, and our id of the message it copies. */
  forwardingScore?: number;
  forwardedFrom?: string;
  /** text: the preview of a link in it, given by the caller, or `true` to build it when it is sent. */
  linkPreview?: LinkPreview | true;
  /** Who sent an inbound message: the phone number is given beside a LID whenever it is known. */
  sender?: { jid: string; phone: string | null; lid: string | null; pushName: string | null };
}

export interface Message {
  id: string;
  seq: number;
  instanceId: string;
  tenantId: string | null;
  waMessageId: string;
  direction: MessageDirection;
  /** The chat: a user jid (`<phone>@s.whatsapp.net`) or a group jid. */
  chatJid: string;
  type: MessageType;
  content: MessageContent;
  status: MessageStatus;
  errorCode: string | null;
  errorMessage: string | null;
  attempts: number;
  nextAttemptAt: Date | null;
  idempotencyKey: string | null;
  campaignId: string | null;
  expiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
}

export const CAMPAIGN_STATUSES = ['scheduled', 'running', 'paused', 'cancelled', 'completed'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

export interface Campaign {
  id: string;
  instanceId: string;
  tenantId: string | null;
  name: string | null;
  template: string;
  status: CampaignStatus;
  total: number;
  startAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
