import type { PreKeyBundle } from '../network/signal-party.ts';
import {
  type BinaryNode,
  child,
  children,
  contentBytes,
  deviceOf,
  S_WA,
  uintBytes,
  unixNow,
} from '../wire/binary-node.ts';
import type { SimCore } from './sim-core.ts';

const notFoundUser = (jid: string): BinaryNode => ({
  tag: 'user',
  attrs: { jid },
  content: [{ tag: 'error', attrs: { code: '404', text: 'item-not-found' } }],
});

function bundleNode(
  jid: string,
  b: PreKeyBundle | (Omit<PreKeyBundle, 'preKey'> & { preKey?: PreKeyBundle['preKey'] }),
) {
  const content: BinaryNode[] = [
    { tag: 'registration', attrs: {}, content: uintBytes(b.registrationId) },
    { tag: 'type', attrs: {}, content: Buffer.from([5]) },
    { tag: 'identity', attrs: {}, content: b.identity },
    {
      tag: 'skey',
      attrs: {},
      content: [
        { tag: 'id', attrs: {}, content: uintBytes(b.signedPreKey.keyId, 3) },
        { tag: 'value', attrs: {}, content: b.signedPreKey.pub },
        { tag: 'signature', attrs: {}, content: b.signedPreKey.sig },
      ],
    },
  ];
  if (b.preKey) {
    content.push({
      tag: 'key',
      attrs: {},
      content: [
        { tag: 'id', attrs: {}, content: uintBytes(b.preKey.keyId, 3) },
        { tag: 'value', attrs: {}, content: b.preKey.pub },
      ],
    });
  }
  return { tag: 'user', attrs: { jid }, content };
}

/** A pre-key bundle for any device jid: a linked companion's uploaded keys, or a simulated party's. */
export function keyBundle(core: SimCore, jid: string): BinaryNode {
  const { directory } = core;
  const account = directory.accountOf(jid);
  const deviceId = deviceOf(jid);
  if (account && deviceId > 0) {
    const device = account.devices.get(deviceId);
    if (!device) return notFoundUser(jid);
    const { keys } = device;
    const preKey = keys.takePreKey();
    return bundleNode(jid, {
      registrationId: keys.registrationId,
      identity: keys.identityPub,
      signedPreKey: keys.signedPreKey,
      ...(preKey ? { preKey } : {}),
    });
  }
  const party = account ? account.phoneParty : directory.contactOf(jid)?.party;
  return party && deviceId === 0 ? bundleNode(jid, party.nextBundle()) : notFoundUser(jid);
}

function userResult(core: SimCore, jid: string | undefined, protocols: string[]): BinaryNode {
  const account = jid ? core.directory.accountOf(jid) : undefined;
  const contact = jid && !account ? core.directory.contactOf(jid) : undefined;
  const lid = account ? `${account.lidUser}@lid` : contact ? `${contact.lidUser}@lid` : undefined;
  const content: BinaryNode[] = [];
  for (const p of protocols) {
    if (p === 'devices') {
      const ids = account ? [0, ...account.devices.keys()] : contact ? [0] : [];
      const devices = ids.map((id) => ({
        tag: 'device',
        attrs: { id: String(id), ...(id ? { 'key-index': String(id) } : {}) },
      }));
      content.push({
        tag: 'devices',
        attrs: {},
        content: [{ tag: 'device-list', attrs: {}, content: devices }],
      });
    } else if (p === 'lid') content.push({ tag: 'lid', attrs: lid ? { val: lid } : {} });
    else if (p === 'contact') content.push({ tag: 'contact', attrs: { type: lid ? 'in' : 'out' } });
    else if (p === 'status') {
      const phone = account?.phone ?? contact?.phone;
      const profile = phone ? core.profiles.of(phone) : undefined;
      content.push({
        tag: 'status',
        attrs: { t: profile ? String(profile.aboutSetAt) : unixNow() },
        content: Buffer.from(profile?.about ?? ''),
      });
    } else content.push({ tag: p, attrs: {} });
  }
  return { tag: 'user', attrs: jid ? { jid } : {}, content };
}

/** Answers a usync query: devices, LIDs, whether numbers are on WhatsApp, status texts. */
export function usyncResult(core: SimCore, usync: BinaryNode): BinaryNode {
  const query = child(usync, 'query');
  const protocols = Array.isArray(query?.content) ? query.content.map((p) => p.tag) : [];
  const seen = new Set<string>();
  const users: BinaryNode[] = [];
  for (const user of children(child(usync, 'list'), 'user')) {
    const phone = contentBytes(child(user, 'contact'))
      ?.toString()
      .replace(/[^0-9]/g, '');
    const jid = user.attrs.jid ?? (phone ? `${phone}@${S_WA}` : undefined);
    const key = jid ?? '';
    if (seen.has(key)) continue;
    seen.add(key);
    users.push(userResult(core, jid, protocols));
  }
  return {
    tag: 'usync',
    attrs: { ...usync.attrs },
    content: [
      { tag: 'result', attrs: {} },
      { tag: 'list', attrs: {}, content: users },
    ],
  };
}
