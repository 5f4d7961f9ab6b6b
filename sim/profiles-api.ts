import { badInput } from './errors.ts';
import type { BusinessProfile, PrivacyCategory } from './network/profiles.ts';
import type { AppStateAction } from './server/app-state.ts';
import { type ChatStateKind, type PresenceState, sendChatState, setPresence } from './server/presence.ts';
import type { SimCore } from './server/sim-core.ts';
import { S_WA } from './wire/binary-node.ts';

export interface ProfileView {
  phone: string;
  /** The push name (an account's can change from its devices). */
  name: string;
  about: string;
  picture: { id: string; url: string; bytes: number } | null;
  business: BusinessProfile | null;
}

export interface ProfileChange {
  about?: string;
  /** Base64 image bytes, or null to remove the picture. */
  picture?: string | null;
  business?: Partial<BusinessProfile> | null;
}

/** The admin side of profiles: set what contacts show, read what accounts chose and blocked. */
export class ProfileApi {
  constructor(private readonly core: SimCore) {}

  view(phone: string): ProfileView {
    this.requireUser(phone);
    const profile = this.core.profiles.of(phone);
    const { picture } = profile;
    const user = this.core.directory.accounts.get(phone) ?? this.core.directory.contacts.get(phone);
    return {
      phone,
      name: user?.name ?? '',
      about: profile.about,
      picture: picture ? { id: picture.id, url: picture.url, bytes: picture.bytes.length } : null,
      business: profile.business,
    };
  }

  /** A contact (or an account's phone) changes its about text, picture or business profile. */
  change(phone: string, change: ProfileChange): ProfileView {
    this.requireUser(phone);
    const { profiles, media } = this.core;
    const profile = profiles.of(phone);
    if (change.about !== undefined) profiles.setAbout(phone, change.about);
    if (change.picture === null) profile.picture = null;
    else if (change.picture !== undefined) {
      const bytes = Buffer.from(change.picture, 'base64');
      if (bytes.length === 0) throw badInput('picture must be base64 image bytes');
      profile.picture = { id: profiles.nextPictureId(), bytes, ...media.put(bytes, 'image') };
    }
    if (change.business === null) profile.business = null;
    else if (change.business !== undefined) {
      profile.business = {
        description: change.business.description ?? '',
        category: change.business.category ?? null,
        email: change.business.email ?? null,
        website: change.business.website ?? null,
        address: change.business.address ?? null,
      };
    }
    return this.view(phone);
  }

  blocklist(phone: string): string[] {
    this.core.directory.requireAccount(phone);
    return [...this.core.profiles.of(phone).blocked].map((p) => `${p}@${S_WA}`);
  }

  /** What the account's devices changed in its app state (archive, pin, mute, push name…), oldest first. */
  appState(phone: string): AppStateAction[] {
    this.core.directory.requireAccount(phone);
    return [...this.core.profiles.of(phone).appState];
  }

  privacy(phone: string): Record<PrivacyCategory, string> {
    this.core.directory.requireAccount(phone);
    return { ...this.core.profiles.of(phone).privacy };
  }

  /** A contact's presence: online/offline to its subscribers, or typing in its chat with `to`. */
  presence(phone: string, state: PresenceState, to: string | undefined): { reached: number } {
    this.core.directory.requireContact(phone);
    if (state === 'available' || state === 'unavailable')
      return { reached: setPresence(this.core, phone, state) };
    if (!to) throw badInput('to (the account the contact types to) is required for a chat state');
    const account = this.core.directory.requireAccount(to);
    return { reached: sendChatState(this.core, phone, account, state as ChatStateKind) };
  }

  /** Whether `blocker` blocked `phone`. */
  isBlocked(blocker: string, phone: string): boolean {
    return this.core.profiles.isBlocked(blocker, phone);
  }

  private requireUser(phone: string): void {
    if (!this.core.directory.accounts.has(phone)) this.core.directory.requireContact(phone);
  }
}
