import type { Instance } from '../domain/instance.ts';
import type { Principal } from '../domain/tenant.ts';
import type {
  AccountOps,
  ChatAction,
  ContactProfile,
  OwnProfile,
  PrivacySettings,
} from '../engine/account-ops.ts';
import { Errors, ZapgateError } from '../errors.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import type { LiveConnection, SessionControl } from '../sessions/session-control.ts';
import type {
  ChatPage,
  ChatPatch,
  ChatRecord,
  ContactPage,
  ContactRecord,
} from '../store/chat-repositories.ts';
import type { Store } from '../store/repositories.ts';
import type { ChatChanges } from './chat-events.ts';

const PHONE_SERVER = 's.whatsapp.net';

/** A chat or contact as the caller wrote it: a jid, or a bare phone number (digits, maybe a `+`). */
export function normalizeJid(input: string): string {
  const value = input.trim();
  if (/^\+?\d{5,20}$/.test(value)) return `${value.replace('+', '')}@${PHONE_SERVER}`;
  const match = /^(\d{5,20})(?::\d+)?@(s\.whatsapp\.net|lid)$/.exec(value);
  if (match) return `${match[1]}@${match[2]}`;
  if (/^[\d-]{5,40}@g\.us$/.test(value)) return value;
  throw Errors.validation(
    `"${input}" is not a phone number, a user jid (…@s.whatsapp.net, …@lid) or a group jid`,
  );
}

const userJid = (input: string): string => {
  const jid = normalizeJid(input);
  if (jid.endsWith('@g.us')) throw Errors.validation(`${input} is a group; give a contact`);
  return jid;
};

export interface ContactDetails extends ContactProfile {
  phone: string | null;
  lid: string | null;
  name: string | null;
  pushName: string | null;
  isBusiness: boolean;
}

/** The store patch each chat action leaves once WhatsApp took it. */
function patchAfter(action: ChatAction, mutedUntil: number | undefined): ChatPatch {
  switch (action) {
    case 'archive':
    case 'unarchive':
      return { archived: action === 'archive' };
    case 'pin':
    case 'unpin':
      return { pinned: action === 'pin' };
    case 'mute':
      return { mutedUntil: mutedUntil ?? -1 };
    case 'unmute':
      return { mutedUntil: null };
    case 'mark-unread':
      return { markedUnread: true };
    case 'delete':
      return {};
  }
}

/**
 * Chats, contacts, the number's own profile, privacy and block list. Lists come from the store
 * (history at link and live traffic); everything else asks WhatsApp through the live connection,
 * and is a 409 while the instance is not connected.
 */
export class ContactService {
  constructor(
    private readonly store: Store,
    private readonly instances: InstanceService,
    private readonly sessions: SessionControl,
    /** Told of each chat an action changed or deleted (`chat.update` events). */
    private readonly chatChanges?: ChatChanges,
  ) {}

  private async live(
    principal: Principal,
    idOrName: string,
  ): Promise<{ instance: Instance; ops: AccountOps; conn: LiveConnection }> {
    const instance = await this.instances.find(principal, idOrName);
    const conn = this.sessions.connectionOf(instance);
    if (!conn)
      throw new ZapgateError(
        'ZG_ERR_NOT_CONNECTED',
        409,
        `instance ${instance.name} is not connected (status ${instance.status}); this needs the live connection`,
      );
    return { instance, ops: conn.account, conn };
  }

  async listChats(
    principal: Principal,
    idOrName: string,
    options: { limit: number; cursor?: string; archived?: boolean },
  ): Promise<ChatPage> {
    const instance = await this.instances.find(principal, idOrName);
    return this.store.chats.list(instance.id, options);
  }

  async changeChat(
    principal: Principal,
    idOrName: string,
    chat: string,
    action: ChatAction,
    mutedUntil?: number,
  ): Promise<ChatRecord | null> {
    const jid = normalizeJid(chat);
    const { instance, ops } = await this.live(principal, idOrName);
    const stored = await this.store.chats.get(instance.id, jid);
    if (!stored && action !== 'delete') throw Errors.notFound(`chat ${jid}`);
    const last = stored?.lastMessage;
    await ops.modifyChat(jid, {
      action,
      ...(mutedUntil !== undefined ? { mutedUntil } : {}),
      ...(last
        ? {
            lastMessage: {
              waMessageId: last.waMessageId,
              fromMe: last.fromMe,
              timestamp: last.timestamp.getTime(),
            },
          }
        : {}),
    });
    if (action === 'delete') {
      await this.store.chats.delete(instance.id, jid);
      this.chatChanges?.deleted(instance, jid, stored);
      return null;
    }
    await this.store.chats.upsertMany(instance.id, [{ jid, patch: patchAfter(action, mutedUntil) }]);
    this.chatChanges?.changed(instance, jid);
    return (await this.store.chats.get(instance.id, jid)) ?? null;
  }

  async listContacts(
    principal: Principal,
    idOrName: string,
    options: { limit: number; cursor?: string },
  ): Promise<ContactPage> {
    const instance = await this.instances.find(principal, idOrName);
    return this.store.contacts.list(instance.id, options);
  }

  async contact(principal: Principal, idOrName: string, contact: string): Promise<ContactDetails> {
    const jid = userJid(contact);
    const { instance, ops, conn } = await this.live(principal, idOrName);
    if (jid.endsWith(PHONE_SERVER)) {
      const [check] = await conn.checkNumbers([jid.split('@')[0] ?? '']);
      if (!check?.exists) throw Errors.notFound(`${jid} on WhatsApp`);
    }
    const [profile, stored] = await Promise.all([
      ops.contactProfile(jid),
      this.store.contacts.find(instance.id, jid),
    ]);
    return {
      ...profile,
      phone: stored?.phone ?? (jid.endsWith(PHONE_SERVER) ? (jid.split('@')[0] ?? null) : null),
      lid: stored?.lid ?? (jid.endsWith('@lid') ? jid : null),
      name: stored?.name ?? null,
      pushName: stored?.pushName ?? null,
      isBusiness: profile.business !== null,
    };
  }

  async setBlocked(principal: Principal, idOrName: string, contact: string, blocked: boolean): Promise<void> {
    const { ops } = await this.live(principal, idOrName);
    await ops.setBlocked(userJid(contact), blocked);
  }

  async blocklist(principal: Principal, idOrName: string): Promise<string[]> {
    return (await this.live(principal, idOrName)).ops.blocklist();
  }

  async subscribePresence(principal: Principal, idOrName: string, contact: string): Promise<void> {
    const { ops } = await this.live(principal, idOrName);
    await ops.subscribePresence(userJid(contact));
  }

  async profile(principal: Principal, idOrName: string): Promise<OwnProfile> {
    return (await this.live(principal, idOrName)).ops.ownProfile();
  }

  async updateProfile(
    principal: Principal,
    idOrName: string,
    change: { pushName?: string; about?: string },
  ): Promise<OwnProfile> {
    const { instance, ops } = await this.live(principal, idOrName);
    if (change.pushName !== undefined) {
      await ops.setPushName(change.pushName);
      await this.store.instances.update(instance.id, { pushName: change.pushName });
    }
    if (change.about !== undefined) await ops.setAbout(change.about);
    const profile = await ops.ownProfile();
    return change.pushName !== undefined ? { ...profile, pushName: change.pushName } : profile;
  }

  async setPicture(principal: Principal, idOrName: string, image: Buffer | null): Promise<OwnProfile> {
    const { ops } = await this.live(principal, idOrName);
    if (image) await ops.setPicture(image.toString('base64'));
    else await ops.removePicture();
    return ops.ownProfile();
  }

  async privacy(principal: Principal, idOrName: string): Promise<PrivacySettings> {
    return (await this.live(principal, idOrName)).ops.privacy();
  }

  async updatePrivacy(
    principal: Principal,
    idOrName: string,
    change: Partial<PrivacySettings>,
  ): Promise<PrivacySettings> {
    return (await this.live(principal, idOrName)).ops.setPrivacy(change);
  }
}

export type { ContactRecord };
