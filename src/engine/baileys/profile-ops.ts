import { type ChatModification, jidNormalizedUser, type WAPrivacyValue, type WASocket } from 'baileys';
import { Errors } from '../../errors.ts';
import type {
  AccountOps,
  BusinessInfo,
  ChatChange,
  ContactProfile,
  OwnProfile,
  PrivacyName,
  PrivacySettings,
} from '../account-ops.ts';

/** The gateway's privacy names and WhatsApp's categories. */
const PRIVACY_CATEGORY: Readonly<Record<PrivacyName, string>> = {
  lastSeen: 'last',
  online: 'online',
  profilePicture: 'profile',
  about: 'status',
  readReceipts: 'readreceipts',
  groupsAdd: 'groupadd',
};

/** WhatsApp's error code of a failed iq (Baileys keeps it as the Boom's data), or its HTTP-like status. */
const statusCodeOf = (err: unknown): number | undefined => {
  const data = (err as { data?: unknown }).data;
  if (typeof data === 'number') return data;
  return (err as { output?: { statusCode?: number } }).output?.statusCode;
};

/** A lookup WhatsApp answers "not there" (404) or "not for you" (401, 403) is empty, not an error. */
async function orNull<T>(work: Promise<T>): Promise<T | null> {
  try {
    return await work;
  } catch (err) {
    const code = statusCodeOf(err);
    if (code === 404 || code === 401 || code === 403) return null;
    throw err;
  }
}

/** Baileys' 400s (a jid it cannot resolve, an image it or libvips cannot read) are the caller's to fix. */
async function asValidation<T>(work: Promise<T>, what: string): Promise<T> {
  try {
    return await work;
  } catch (err) {
    const code = statusCodeOf(err);
    if (code === 400 || /image|unsupported|input buffer|vips/i.test(String((err as Error).message)))
      throw Errors.validation(`${what}: ${(err as Error).message}`);
    throw err;
  }
}

/** The account calls of one Baileys socket. */
export class BaileysAccountOps implements AccountOps {
  constructor(private readonly sock: WASocket) {}

  private get ownJid(): string {
    const id = this.sock.user?.id;
    if (!id) throw Errors.conflict('the connection is not logged in');
    return jidNormalizedUser(id);
  }

  private async about(jid: string): Promise<{ text: string | null; setAt: string | null }> {
    const [result] = (await orNull(this.sock.fetchStatus(jid))) ?? [];
    const status = result?.status as { status?: string | null; setAt?: Date | string } | undefined;
    const setAt = status?.setAt ? new Date(status.setAt) : null;
    return {
      text: status?.status ?? null,
      setAt: setAt && !Number.isNaN(setAt.getTime()) ? setAt.toISOString() : null,
    };
  }

  async contactProfile(jid: string): Promise<ContactProfile> {
    const [about, pictureUrl, business] = await Promise.all([
      this.about(jid),
      orNull(this.sock.profilePictureUrl(jid, 'image')),
      orNull(this.sock.getBusinessProfile(jid)),
    ]);
    const info: BusinessInfo | null = business
      ? {
          description: business.description ?? '',
          category: business.category ?? null,
          email: business.email ?? null,
          website: business.website?.[0] ?? null,
          address: business.address ?? null,
        }
      : null;
    return {
      jid,
      about: about.text,
      aboutSetAt: about.setAt,
      pictureUrl: pictureUrl ?? null,
      business: info,
    };
  }

  async ownProfile(): Promise<OwnProfile> {
    const jid = this.ownJid;
    const [about, pictureUrl] = await Promise.all([
      this.about(jid),
      orNull(this.sock.profilePictureUrl(jid, 'image')),
    ]);
    // the credentials hold the name the app state or a rename set; `user` may be an older copy
    const pushName = this.sock.authState.creds.me?.name ?? this.sock.user?.name ?? null;
    return { jid, pushName, about: about.text, pictureUrl: pictureUrl ?? null };
  }

  setPushName(name: string): Promise<void> {
    return this.sock.updateProfileName(name);
  }

  setAbout(text: string): Promise<void> {
    return this.sock.updateProfileStatus(text);
  }

  setPicture(imageBase64: string): Promise<void> {
    return asValidation(
      this.sock.updateProfilePicture(this.ownJid, Buffer.from(imageBase64, 'base64')),
      'the picture could not be used',
    );
  }

  removePicture(): Promise<void> {
    return this.sock.removeProfilePicture(this.ownJid);
  }

  async blocklist(): Promise<string[]> {
    return (await this.sock.fetchBlocklist()).filter((jid): jid is string => typeof jid === 'string');
  }

  setBlocked(jid: string, blocked: boolean): Promise<void> {
    return asValidation(
      this.sock.updateBlockStatus(jid, blocked ? 'block' : 'unblock'),
      `cannot block ${jid}`,
    );
  }

  async privacy(): Promise<PrivacySettings> {
    const raw = (await this.sock.fetchPrivacySettings(true)) as Record<string, string | undefined>;
    const entries = Object.entries(PRIVACY_CATEGORY).map(([name, category]) => [
      name,
      raw[category] ?? 'all',
    ]);
    return Object.fromEntries(entries) as PrivacySettings;
  }

  async setPrivacy(change: Partial<PrivacySettings>): Promise<PrivacySettings> {
    const s = this.sock;
    const setters: Record<PrivacyName, (value: string) => Promise<void>> = {
      lastSeen: (v) => s.updateLastSeenPrivacy(v as WAPrivacyValue),
      online: (v) => s.updateOnlinePrivacy(v as Parameters<WASocket['updateOnlinePrivacy']>[0]),
      profilePicture: (v) => s.updateProfilePicturePrivacy(v as WAPrivacyValue),
      about: (v) => s.updateStatusPrivacy(v as WAPrivacyValue),
      readReceipts: (v) =>
        s.updateReadReceiptsPrivacy(v as Parameters<WASocket['updateReadReceiptsPrivacy']>[0]),
      groupsAdd: (v) => s.updateGroupsAddPrivacy(v as Parameters<WASocket['updateGroupsAddPrivacy']>[0]),
    };
    for (const [name, value] of Object.entries(change) as Array<[PrivacyName, string | undefined]>) {
      if (value !== undefined) await setters[name](value);
    }
    return this.privacy();
  }

  subscribePresence(jid: string): Promise<void> {
    return this.sock.presenceSubscribe(jid);
  }

  modifyChat(jid: string, change: ChatChange): Promise<void> {
    return this.sock.chatModify(chatModification(jid, change), jid);
  }
}

/** The app-state change WhatsApp records for a chat action. */
function chatModification(jid: string, change: ChatChange): ChatModification {
  const ref = change.lastMessage;
  const lastMessages = ref
    ? [
        {
          key: { remoteJid: jid, id: ref.waMessageId, fromMe: ref.fromMe },
          messageTimestamp: Math.floor(ref.timestamp / 1000),
        },
      ]
    : [];
  switch (change.action) {
    case 'archive':
    case 'unarchive':
      return { archive: change.action === 'archive', lastMessages };
    case 'pin':
    case 'unpin':
      return { pin: change.action === 'pin' };
    case 'mute':
      // WhatsApp's "always" is -1
      return { mute: change.mutedUntil ?? -1 };
    case 'unmute':
      return { mute: null };
    case 'mark-unread':
      return { markRead: false, lastMessages };
    case 'delete':
      return { delete: true, lastMessages };
  }
}
