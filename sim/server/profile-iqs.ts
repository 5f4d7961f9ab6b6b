import { PRIVACY_CATEGORIES, PRIVACY_VALUES, type PrivacyCategory } from '../network/profiles.ts';
import {
  type BinaryNode,
  child,
  children,
  contentBytes,
  S_WA,
  serverOf,
  userOf,
} from '../wire/binary-node.ts';
import type { Connection } from './connection.ts';
import { iqError } from './linking.ts';
import type { SimCore } from './sim-core.ts';

type Reply = (content?: BinaryNode[]) => void;

/** The phone of the user a jid names in the network, whichever address form (phone or LID) it uses. */
export function profileKeyOf(core: SimCore, jid: string): string | undefined {
  if (serverOf(jid) === 'g.us') return undefined;
  return (core.directory.accountOf(jid) ?? core.directory.contactOf(jid))?.phone;
}

/** `w:profile:picture` for users (groups' pictures are theirs): get anyone's URL; set or remove one's own. */
export async function onPictureIq(
  core: SimCore,
  conn: Connection,
  iq: BinaryNode,
  reply: Reply,
): Promise<void> {
  const actor = conn.account;
  if (!actor) return reply();
  const target = iq.attrs.target;
  const key = target ? profileKeyOf(core, target) : actor.phone;
  if (!key) return conn.send(iqError(iq, '404', 'item-not-found'));
  const profile = core.profiles.of(key);
  if (iq.attrs.type === 'get') {
    if (!profile.picture) return conn.send(iqError(iq, '404', 'item-not-found'));
    const { id, url, directPath } = profile.picture;
    const type = child(iq, 'picture')?.attrs.type ?? 'preview';
    return reply([{ tag: 'picture', attrs: { id, type, url, direct_path: directPath } }]);
  }
  if (key !== actor.phone) return conn.send(iqError(iq, '403', 'forbidden'));
  const bytes = contentBytes(child(iq, 'picture'));
  if (!bytes) {
    profile.picture = null;
    core.log('profile-picture-removed', { key });
    return reply();
  }
  const id = core.profiles.nextPictureId();
  const stored = core.media.put(bytes, 'image');
  profile.picture = { id, bytes, ...stored };
  core.log('profile-picture-set', { key, id, bytes: bytes.length });
  reply([{ tag: 'picture', attrs: { id } }]);
}

/** `status` set: the account's about text. (It is read back with a usync `status` query.) */
export async function onStatusIq(
  core: SimCore,
  conn: Connection,
  iq: BinaryNode,
  reply: Reply,
): Promise<void> {
  const actor = conn.account;
  const text = contentBytes(child(iq, 'status'))?.toString('utf8');
  if (actor && iq.attrs.type === 'set' && text !== undefined) {
    core.profiles.setAbout(actor.phone, text);
    core.log('about-set', { phone: actor.phone });
  }
  reply();
}

/** `w:biz` get `business_profile`: a business account's profile, nothing for anyone else. */
export async function onBusinessIq(core: SimCore, iq: BinaryNode, reply: Reply): Promise<void> {
  const query = child(iq, 'business_profile');
  if (!query) return reply();
  const profiles = children(query, 'profile').flatMap((p): BinaryNode[] => {
    const jid = p.attrs.jid ?? '';
    const key = profileKeyOf(core, jid);
    const business = key ? core.profiles.of(key).business : null;
    if (!business) return [];
    const text = (tag: string, value: string | null): BinaryNode[] =>
      value ? [{ tag, attrs: {}, content: Buffer.from(value) }] : [];
    return [
      {
        tag: 'profile',
        attrs: { jid },
        content: [
          ...text('description', business.description),
          ...text('email', business.email),
          ...text('website', business.website),
          ...text('address', business.address),
          ...(business.category
            ? [
                {
                  tag: 'categories',
                  attrs: {},
                  content: [{ tag: 'category', attrs: { id: '1' }, content: Buffer.from(business.category) }],
                },
              ]
            : []),
        ],
      },
    ];
  });
  reply([{ tag: 'business_profile', attrs: { v: '244' }, content: profiles }]);
}

const isCategory = (name: string): name is PrivacyCategory =>
  (PRIVACY_CATEGORIES as readonly string[]).includes(name);

/** `privacy` get/set: the account's privacy categories (a set changes one, and answers the rest). */
export async function onPrivacySettingsIq(
  core: SimCore,
  conn: Connection,
  iq: BinaryNode,
  reply: Reply,
): Promise<void> {
  const actor = conn.account;
  if (!actor) return reply();
  const profile = core.profiles.of(actor.phone);
  if (iq.attrs.type === 'set') {
    for (const category of children(child(iq, 'privacy'), 'category')) {
      const { name = '', value = '' } = category.attrs;
      if (!isCategory(name) || !PRIVACY_VALUES[name].includes(value))
        return conn.send(iqError(iq, '400', 'bad-request'));
      profile.privacy[name] = value;
      core.log('privacy-set', { phone: actor.phone, name, value });
    }
    return reply();
  }
  const content = Object.entries(profile.privacy).map(([name, value]) => ({
    tag: 'category',
    attrs: { name, value },
  }));
  reply([{ tag: 'privacy', attrs: {}, content }]);
}

/** `blocklist` get (every blocked jid) and set (block or unblock one, told to the other devices). */
export async function onBlocklistIq(
  core: SimCore,
  conn: Connection,
  iq: BinaryNode,
  reply: Reply,
): Promise<void> {
  const actor = conn.account;
  if (!actor) return reply();
  const profile = core.profiles.of(actor.phone);
  if (iq.attrs.type !== 'set') {
    const items = [...profile.blocked].map((phone) => ({ tag: 'item', attrs: { jid: `${phone}@${S_WA}` } }));
    return reply([{ tag: 'list', attrs: {}, content: items }]);
  }
  const item = child(iq, 'item');
  const jid = item?.attrs.pn_jid ?? item?.attrs.jid ?? '';
  const phone = profileKeyOf(core, jid) ?? (serverOf(jid) === S_WA ? userOf(jid) : undefined);
  const action = item?.attrs.action;
  if (!phone || (action !== 'block' && action !== 'unblock'))
    return conn.send(iqError(iq, '400', 'bad-request'));
  if (action === 'block') profile.blocked.add(phone);
  else profile.blocked.delete(phone);
  core.log('blocklist-changed', { phone: actor.phone, action, target: phone });
  reply();
  const notice: BinaryNode = {
    tag: 'notification',
    attrs: {
      from: S_WA,
      type: 'account_sync',
      id: `bl${Date.now()}`,
      t: String(Math.floor(Date.now() / 1000)),
    },
    content: [
      { tag: 'blocklist', attrs: {}, content: [{ tag: 'item', attrs: { jid: `${phone}@${S_WA}`, action } }] },
    ],
  };
  for (const deviceId of actor.devices.keys()) {
    if (deviceId !== conn.device?.id) core.deliverToDevice(actor, deviceId, notice);
  }
}
