import { randomBytes } from 'node:crypto';
import { badInput, conflict, notFound, SimError } from '../errors.ts';
import type { Group, GroupSettings } from '../network/model.ts';
import { type BinaryNode, child, contentBytes, firstChild, S_WA, unixNow } from '../wire/binary-node.ts';
import type { Connection } from './connection.ts';
import { recordContactNotice } from './group-contacts.ts';
import { admitMember, requestToJoin } from './group-requests.ts';
import { type Member, notifyMembers } from './groups.ts';
import { iqError } from './linking.ts';
import type { SimCore } from './sim-core.ts';

type Reply = (content?: BinaryNode[]) => void;
const accountJid = (a: { phone: string }) => `${a.phone}@${S_WA}`;
const newInviteCode = () => randomBytes(16).toString('base64url').slice(0, 22);

export function newGroupSettings(): GroupSettings {
  return {
    description: null,
    announce: false,
    locked: false,
    ephemeral: 0,
    joinApproval: false,
    inviteCode: newInviteCode(),
    picture: null,
  };
}

/** The settings as children of a `<group>` node, the way `extractGroupMetadata` reads them. */
export function settingNodes(g: Group): BinaryNode[] {
  const s = g.settings;
  const nodes: BinaryNode[] = [];
  if (s.description) nodes.push(descriptionNode(s.description));
  if (s.announce) nodes.push({ tag: 'announcement', attrs: {} });
  if (s.locked) nodes.push({ tag: 'locked', attrs: {} });
  if (s.ephemeral > 0) nodes.push({ tag: 'ephemeral', attrs: { expiration: String(s.ephemeral) } });
  if (s.joinApproval) nodes.push(approvalNode(true));
  return nodes;
}

const descriptionNode = (d: NonNullable<GroupSettings['description']>): BinaryNode => ({
  tag: 'description',
  attrs: { id: d.id, participant: accountJid(d.by), t: String(d.t) },
  content: [{ tag: 'body', attrs: {}, content: Buffer.from(d.body) }],
});

const approvalNode = (on: boolean): BinaryNode => ({
  tag: 'membership_approval_mode',
  attrs: {},
  content: [{ tag: 'group_join', attrs: { state: on ? 'on' : 'off' } }],
});

export const isAdmin = (g: Group, a: Member): boolean => Boolean(g.members.get(a.phone)?.role);

/** Refuses a change a member may not make: admins only, or anyone while the group is unlocked. */
export function assertMayChange(g: Group, actor: Member, what: 'settings' | 'info'): void {
  if (!g.members.has(actor.phone)) throw new SimError(403, `${actor.phone} is not in ${g.id}`);
  if (isAdmin(g, actor) || (what === 'info' && !g.settings.locked)) return;
  throw new SimError(403, `${actor.phone} is not an admin of ${g.id}`);
}

const everyone = (g: Group): Member[] => [...g.members.values()].map((m) => m.account);

export function setSubject(core: SimCore, g: Group, actor: Member, subject: string): void {
  assertMayChange(g, actor, 'info');
  g.subject = subject;
  const node = { tag: 'subject', attrs: { subject, s_t: unixNow(), s_o: accountJid(actor) } };
  notifyMembers(core, g, everyone(g), actor, node);
}

export function setDescription(core: SimCore, g: Group, actor: Member, body: string | null): void {
  assertMayChange(g, actor, 'info');
  const id = randomBytes(8).toString('hex').toUpperCase();
  g.settings.description = body ? { id, body, by: actor, t: Number(unixNow()) } : null;
  const node: BinaryNode = g.settings.description
    ? descriptionNode(g.settings.description)
    : { tag: 'description', attrs: { id, delete: 'true' } };
  notifyMembers(core, g, everyone(g), actor, node);
}

export type GroupToggle = 'announcement' | 'not_announcement' | 'locked' | 'unlocked';

export function setToggle(core: SimCore, g: Group, actor: Member, toggle: GroupToggle): void {
  assertMayChange(g, actor, 'settings');
  if (toggle === 'announcement' || toggle === 'not_announcement')
    g.settings.announce = toggle === 'announcement';
  else g.settings.locked = toggle === 'locked';
  notifyMembers(core, g, everyone(g), actor, { tag: toggle, attrs: {} });
}

export function setEphemeral(core: SimCore, g: Group, actor: Member, seconds: number): void {
  assertMayChange(g, actor, 'info');
  g.settings.ephemeral = seconds;
  const node: BinaryNode =
    seconds > 0
      ? { tag: 'ephemeral', attrs: { expiration: String(seconds) } }
      : { tag: 'not_ephemeral', attrs: {} };
  notifyMembers(core, g, everyone(g), actor, node);
}

export function setJoinApproval(core: SimCore, g: Group, actor: Member, on: boolean): void {
  assertMayChange(g, actor, 'settings');
  g.settings.joinApproval = on;
  notifyMembers(core, g, everyone(g), actor, approvalNode(on));
}

export function revokeInvite(core: SimCore, g: Group, actor: Member): string {
  assertMayChange(g, actor, 'settings');
  g.settings.inviteCode = newInviteCode();
  notifyMembers(core, g, everyone(g), actor, { tag: 'invite', attrs: { code: g.settings.inviteCode } });
  return g.settings.inviteCode;
}

export function groupByInvite(core: SimCore, code: string): Group {
  const g = [...core.directory.groups.values()].find((x) => x.settings.inviteCode === code);
  if (!g) throw notFound(`no group has the invite code ${code}`);
  return g;
}

/**
 * An account follows an invite link: the members see it added, it sees the group. While join
 * approval is on it becomes a pending request instead (`isRequesting`), which the admins are told of.
 */
export function joinByInvite(core: SimCore, account: Member, code: string): Group {
  const g = groupByInvite(core, code);
  if (g.members.has(account.phone)) throw conflict(`${account.phone} is already in ${g.id}`);
  if (g.settings.joinApproval) requestToJoin(core, g, account);
  else admitMember(core, g, account, account, 'invite');
  return g;
}

export function leaveGroup(core: SimCore, account: Member, g: Group): void {
  if (!g.members.has(account.phone)) throw notFound(`${account.phone} is not in ${g.id}`);
  const before = everyone(g);
  g.members.delete(account.phone);
  const left = { tag: 'participant', attrs: { jid: accountJid(account), lid: `${account.lidUser}@lid` } };
  notifyMembers(core, g, before, account, { tag: 'leave', attrs: {}, content: [left] });
  if (g.members.size === 0) core.directory.groups.delete(g.id);
}

export function setPicture(core: SimCore, g: Group, actor: Member, bytes: Buffer): string {
  assertMayChange(g, actor, 'info');
  if (bytes.length === 0) throw badInput('a picture needs bytes');
  const id = String(Date.now());
  const stored = core.media.put(bytes, 'image');
  g.settings.picture = { id, url: stored.url, directPath: stored.directPath, bytes: bytes.length };
  const stanza: BinaryNode = {
    tag: 'notification',
    attrs: { from: g.id, type: 'picture', id: `n${randomBytes(6).toString('hex')}`, t: unixNow() },
    content: [{ tag: 'set', attrs: { id, author: accountJid(actor), jid: g.id } }],
  };
  for (const a of everyone(g)) {
    if ('devices' in a) for (const d of a.devices.keys()) core.deliverToDevice(a, d, stanza);
    else recordContactNotice(a, stanza);
  }
  return id;
}

const utf8 = (node: BinaryNode | undefined): string =>
  node?.content instanceof Uint8Array ? Buffer.from(node.content).toString() : String(node?.content ?? '');

/**
 * The admin iqs on an existing group (description, settings, invite links); false when `op` is
 * none of them. Refusals come back as SimErrors for the caller to answer as iq errors.
 */
export function onGroupAdminIq(
  core: SimCore,
  actor: Member,
  g: Group,
  iq: BinaryNode,
  op: BinaryNode,
  reply: Reply,
): boolean {
  switch (op.tag) {
    case 'subject':
      setSubject(core, g, actor, utf8(op));
      break;
    case 'description':
      setDescription(core, g, actor, op.attrs.delete === 'true' ? null : utf8(child(op, 'body')));
      break;
    case 'announcement':
    case 'not_announcement':
    case 'locked':
    case 'unlocked':
      setToggle(core, g, actor, op.tag);
      break;
    case 'ephemeral':
    case 'not_ephemeral':
      setEphemeral(core, g, actor, op.tag === 'ephemeral' ? Number(op.attrs.expiration ?? 0) : 0);
      break;
    case 'membership_approval_mode':
      setJoinApproval(core, g, actor, firstChild(op)?.attrs.state === 'on');
      break;
    case 'invite': {
      // a get reads the link, a set revokes it and answers with the new one
      const code = iq.attrs.type === 'set' ? revokeInvite(core, g, actor) : inviteFor(g, actor);
      reply([{ tag: 'invite', attrs: { code } }]);
      return true;
    }
    default:
      return false;
  }
  reply();
  return true;
}

function inviteFor(g: Group, actor: Member): string {
  assertMayChange(g, actor, 'settings');
  return g.settings.inviteCode;
}

/** `w:profile:picture` iqs whose target is a group: read its picture's URL, or set (remove) it. */
export function onGroupPictureIq(core: SimCore, actor: Member, iq: BinaryNode, reply: Reply): void {
  const g = core.directory.groups.get(iq.attrs.target ?? '');
  if (!g) throw notFound(`no group ${iq.attrs.target}`);
  if (iq.attrs.type === 'get') {
    const picture = g.settings.picture;
    if (!picture) throw notFound(`${g.id} has no picture`);
    const attrs = { id: picture.id, url: picture.url, direct_path: picture.directPath, type: 'image' };
    reply([{ tag: 'picture', attrs }]);
    return;
  }
  const bytes = contentBytes(child(iq, 'picture'));
  if (bytes) {
    reply([{ tag: 'picture', attrs: { id: setPicture(core, g, actor, bytes) } }]);
    return;
  }
  assertMayChange(g, actor, 'info');
  g.settings.picture = null;
  reply();
}

/** The group picture iq, answered (with an iq error for a refusal) on the connection. */
export function onGroupPictureIqChecked(core: SimCore, conn: Connection, iq: BinaryNode): void {
  const reply: Reply = (content) =>
    conn.send({
      tag: 'iq',
      attrs: { from: iq.attrs.to ?? S_WA, type: 'result', id: iq.attrs.id ?? '' },
      ...(content ? { content } : {}),
    });
  try {
    if (conn.account) onGroupPictureIq(core, conn.account, iq, reply);
    else reply();
  } catch (err) {
    if (!(err instanceof SimError)) throw err;
    conn.send(iqError(iq, String(err.status), err.message));
  }
}
