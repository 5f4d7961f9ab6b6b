import type { AppStateAction } from '../server/app-state.ts';

/** What WhatsApp shows of a user's profile, and the choices an account made about its own. */

export const PRIVACY_CATEGORIES = [
  'readreceipts',
  'last',
  'online',
  'profile',
  'status',
  'groupadd',
  'calladd',
  'messages',
] as const;
export type PrivacyCategory = (typeof PRIVACY_CATEGORIES)[number];

/** WhatsApp's defaults: read receipts on, so clients send `read` (not `read-self`) receipts. */
const PRIVACY_DEFAULTS: Readonly<Record<PrivacyCategory, string>> = {
  readreceipts: 'all',
  last: 'all',
  online: 'all',
  profile: 'all',
  status: 'contacts',
  groupadd: 'all',
  calladd: 'all',
  messages: 'all',
};

/** The values each category accepts, as WhatsApp's privacy iq does. */
export const PRIVACY_VALUES: Readonly<Record<PrivacyCategory, readonly string[]>> = {
  readreceipts: ['all', 'none'],
  last: ['all', 'contacts', 'contact_blacklist', 'none'],
  online: ['all', 'match_last_seen'],
  profile: ['all', 'contacts', 'contact_blacklist', 'none'],
  status: ['all', 'contacts', 'contact_blacklist', 'none'],
  groupadd: ['all', 'contacts', 'contact_blacklist'],
  calladd: ['all', 'known'],
  messages: ['all', 'contacts'],
};

export const DEFAULT_ABOUT = 'Hey there! I am using WhatsApp.';

export interface ProfilePicture {
  id: string;
  url: string;
  directPath: string;
  bytes: Buffer;
}

export interface BusinessProfile {
  description: string;
  category: string | null;
  email: string | null;
  website: string | null;
  address: string | null;
}

export type PresenceKind = 'available' | 'unavailable';

/** One user's profile, an account's or a contact's (phone numbers are unique across both). */
export interface Profile {
  about: string;
  aboutSetAt: number;
  picture: ProfilePicture | null;
  business: BusinessProfile | null;
  privacy: Record<PrivacyCategory, string>;
  /** Phones this user blocked. */
  blocked: Set<string>;
  /** Accounts (by phone) that subscribed to this user's presence. */
  subscribers: Set<string>;
  presence: PresenceKind;
  lastSeen: number | null;
  /** What the account's devices recorded in its app state, oldest first (accounts only). */
  appState: AppStateAction[];
}

/** A profile as a snapshot keeps it (`snapshot.ts`). */
export type KeptProfile = Pick<
  Profile,
  'about' | 'aboutSetAt' | 'business' | 'privacy' | 'lastSeen' | 'appState'
> & {
  blocked: string[];
};

/** Every profile of the network, by phone; one is made (with defaults) on first use. */
export class ProfileBook {
  private readonly byPhone = new Map<string, Profile>();
  private pictureSeq = 1_700_000_000;

  of(phone: string): Profile {
    let profile = this.byPhone.get(phone);
    if (!profile) {
      profile = {
        about: DEFAULT_ABOUT,
        aboutSetAt: Math.floor(Date.now() / 1000),
        picture: null,
        business: null,
        privacy: { ...PRIVACY_DEFAULTS },
        blocked: new Set(),
        subscribers: new Set(),
        presence: 'unavailable',
        lastSeen: null,
        appState: [],
      };
      this.byPhone.set(phone, profile);
    }
    return profile;
  }

  setAbout(phone: string, about: string): void {
    const profile = this.of(phone);
    profile.about = about;
    profile.aboutSetAt = Math.floor(Date.now() / 1000);
  }

  /** What is worth keeping across restarts: pictures (their blobs die with the media host) and live presence are not. */
  exportProfiles(): Array<[string, KeptProfile]> {
    return [...this.byPhone].map(([phone, p]) => [
      phone,
      {
        about: p.about,
        aboutSetAt: p.aboutSetAt,
        business: p.business,
        privacy: p.privacy,
        blocked: [...p.blocked],
        lastSeen: p.lastSeen,
        appState: p.appState,
      },
    ]);
  }

  importProfiles(kept: Array<[string, KeptProfile]>): void {
    for (const [phone, k] of kept) {
      const profile = this.of(phone);
      Object.assign(profile, {
        ...k,
        privacy: { ...profile.privacy, ...k.privacy },
        blocked: new Set(k.blocked),
      });
    }
  }

  nextPictureId(): string {
    this.pictureSeq += 1;
    return String(this.pictureSeq);
  }

  /** Whether `blocker` blocked `phone`: then nothing `phone` sends reaches `blocker`. */
  isBlocked(blocker: string, phone: string): boolean {
    return this.byPhone.get(blocker)?.blocked.has(phone) ?? false;
  }
}
