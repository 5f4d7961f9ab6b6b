/**
 * What a linked number can ask WhatsApp about contacts, its own profile, privacy and chats, and
 * what WhatsApp tells it of its chats and contacts. Every argument and result is plain JSON, so an
 * API node can have any of these run by the worker that owns the instance (one generic command).
 */

export interface BusinessInfo {
  description: string;
  category: string | null;
  email: string | null;
  website: string | null;
  address: string | null;
}

export interface ContactProfile {
  jid: string;
  /** The about (status) text, when the contact lets us see it. */
  about: string | null;
  aboutSetAt: string | null;
  pictureUrl: string | null;
  business: BusinessInfo | null;
}

export interface OwnProfile {
  jid: string;
  pushName: string | null;
  about: string | null;
  pictureUrl: string | null;
}

/** The privacy settings WhatsApp keeps for an account, by the gateway's names. */
export interface PrivacySettings {
  lastSeen: string;
  online: string;
  profilePicture: string;
  about: string;
  readReceipts: string;
  groupsAdd: string;
}
export type PrivacyName = keyof PrivacySettings;

/** What each privacy setting may be, as WhatsApp accepts it. */
export const PRIVACY_VALUES: Readonly<Record<PrivacyName, readonly string[]>> = {
  lastSeen: ['all', 'contacts', 'contact_blacklist', 'none'],
  online: ['all', 'match_last_seen'],
  profilePicture: ['all', 'contacts', 'contact_blacklist', 'none'],
  about: ['all', 'contacts', 'contact_blacklist', 'none'],
  readReceipts: ['all', 'none'],
  groupsAdd: ['all', 'contacts', 'contact_blacklist'],
};

export const CHAT_ACTIONS = [
  'archive',
  'unarchive',
  'pin',
  'unpin',
  'mute',
  'unmute',
  'mark-unread',
  'delete',
] as const;
export type ChatAction = (typeof CHAT_ACTIONS)[number];

/** The newest message of a chat, which WhatsApp wants beside an archive, unread mark or delete. */
export interface ChatMessageRef {
  waMessageId: string;
  fromMe: boolean;
  /** Epoch milliseconds. */
  timestamp: number;
}

export interface ChatChange {
  action: ChatAction;
  /** For `mute`: until when (epoch ms); absent: for ever (as WhatsApp's "always"). */
  mutedUntil?: number;
  lastMessage?: ChatMessageRef;
}

/** The calls; each name is also the method of the generic fleet command that runs it on the owner. */
export interface AccountOps {
  contactProfile(jid: string): Promise<ContactProfile>;
  ownProfile(): Promise<OwnProfile>;
  setPushName(name: string): Promise<void>;
  setAbout(text: string): Promise<void>;
  /** An image (JPEG, PNG, WebP…), base64. */
  setPicture(imageBase64: string): Promise<void>;
  removePicture(): Promise<void>;
  blocklist(): Promise<string[]>;
  setBlocked(jid: string, blocked: boolean): Promise<void>;
  privacy(): Promise<PrivacySettings>;
  setPrivacy(change: Partial<PrivacySettings>): Promise<PrivacySettings>;
  subscribePresence(jid: string): Promise<void>;
  modifyChat(jid: string, change: ChatChange): Promise<void>;
}
export type AccountOpName = keyof AccountOps;

export const ACCOUNT_OP_NAMES = [
  'contactProfile',
  'ownProfile',
  'setPushName',
  'setAbout',
  'setPicture',
  'removePicture',
  'blocklist',
  'setBlocked',
  'privacy',
  'setPrivacy',
  'subscribePresence',
  'modifyChat',
] as const satisfies readonly AccountOpName[];

export const isAccountOpName = (name: string): name is AccountOpName =>
  (ACCOUNT_OP_NAMES as readonly string[]).includes(name);

/** Runs one call by name with JSON arguments (how the owner of an instance serves API nodes). */
export function runAccountOp(ops: AccountOps, method: string, args: unknown[]): Promise<unknown> {
  if (!isAccountOpName(method)) return Promise.reject(new TypeError(`no account call ${method}`));
  const call = ops[method] as (...a: unknown[]) => Promise<unknown>;
  return call.apply(ops, args);
}

/** AccountOps whose every call goes through `invoke` (an API node's commands to the owner). */
export function accountOpsVia(
  invoke: (method: AccountOpName, args: unknown[]) => Promise<unknown>,
): AccountOps {
  const entries = ACCOUNT_OP_NAMES.map((name) => [name, (...args: unknown[]) => invoke(name, args)] as const);
  return Object.fromEntries(entries) as unknown as AccountOps;
}

/** A chat as WhatsApp describes it (history at link, then changes); absent fields did not change. */
export interface ChatUpdate {
  jid: string;
  name?: string | null;
  unreadCount?: number;
  archived?: boolean;
  pinned?: boolean;
  /** Epoch ms; null: not muted. */
  mutedUntil?: number | null;
  lastMessage?: ChatLastMessage;
}

export interface ChatLastMessage extends ChatMessageRef {
  type: string;
  text: string | null;
}

export interface ContactUpdate {
  jid: string;
  phone?: string | null;
  lid?: string | null;
  /** The name in the phone's address book. */
  name?: string | null;
  /** The name the contact gave itself. */
  pushName?: string | null;
}

/** Chats and contacts WhatsApp told the connection about, in one batch. */
export interface AccountSync {
  source: 'history' | 'live';
  chats: ChatUpdate[];
  contacts: ContactUpdate[];
  deletedChats: string[];
}
