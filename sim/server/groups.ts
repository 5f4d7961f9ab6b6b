import { randomBytes } from 'node:crypto';
import { SimError } from '../errors.ts';
import type { Account, Contact, Group } from '../network/model.ts';
import { type BinaryNode, child, children, firstChild, S_WA, unixNow } from '../wire/binary-node.ts';
import type { Connection } from './connection.ts';
import {
  assertMayChange,
  groupByInvite,
  isAdmin,
  joinByInvite,
  leaveGroup,
  newGroupSettings,
  onGroupAdminIq,
  settingNodes,
} from './group-admin.ts';
import { recordContactNotice, relayToContact } from './group-contacts.ts';
import { isRequesting, onGroupRequestIq } from './group-requests.ts';
import { iqError } from './linking.ts';
import type { SimCore } from './sim-core.ts';

type Reply = (content?: BinaryNode[]) => void;
const accountJid = (a: { phone: string }) => `${a.phone}@${S_WA}`;
/** A group member: an account's devices get stanzas, a contact the simulator runs itself. */
export type Member = Account | Contact;
const isAccount = (m: Member): m is Account => 'devices' in m;
let groupSeq = 0;

export function groupNode(g: Group): BinaryNode {
  return {
    tag: 'group',
    attrs: {
      id: g.id.split('@')[0] ?? '',
      subject: g.subject,
      s_t: String(g.creation),
      s_o: accountJid(g.creator),
      creation: String(g.creation),
      creator: accountJid(g.creator),
      size: String(g.members.size),
    },
    content: [
      ...[...g.members.values()].map(({ account, role }) => ({
        tag: 'participant',
        attrs: { jid: accountJid(account), lid: `${account.lidUser}@lid`, ...(role ? { type: role } : {}) },
      })),
      ...settingNodes(g),
    ],
  };
}

/** A `w:gp2` notification to every device of the given members. */
export function notifyMembers(core: SimCore, g: Group, to: Member[], actor: Member, body: BinaryNode): void {
  const stanza: BinaryNode = {
    tag: 'notification',
    attrs: {
      from: g.id,
      type: 'w:gp2',
      id: `n${randomBytes(6).toString('hex')}`,
      t: unixNow(),
      participant: accountJid(actor),
    },
    content: [body],
  };
  for (const a of to) {
    if (isAccount(a)) for (const d of a.devices.keys()) core.deliverToDevice(a, d, stanza);
    else recordContactNotice(a, stanza);
  }
}

function createGroup(core: SimCore, actor: Account, create: BinaryNode, reply: Reply): void {
  groupSeq += 1;
  const id = `1203630${String(Date.now()).slice(-8)}${String(groupSeq).padStart(3, '0')}@g.us`;
  const g: Group = {
    id,
    subject: create.attrs.subject ?? '',
    creation: Number(unixNow()),
    creator: actor,
    members: new Map([[actor.phone, { account: actor, role: 'superadmin' }]]),
    settings: newGroupSettings(),
  };
  for (const p of children(create, 'participant')) {
    const a = memberOf(core, p.attrs.jid ?? '');
    if (a && !g.members.has(a.phone)) g.members.set(a.phone, { account: a, role: null });
  }
  core.directory.groups.set(id, g);
  reply([groupNode(g)]);
  const members = [...g.members.values()].map((m) => m.account);
  notifyMembers(core, g, members, actor, {
    tag: 'create',
    attrs: { reason: 'create' },
    content: [groupNode(g)],
  });
}

type Action = 'add' | 'remove' | 'promote' | 'demote';

/** The account or contact a participant jid names. */
export const memberOf = (core: SimCore, jid: string): Member | undefined =>
  core.directory.accountOf(jid) ?? core.directory.contactOf(jid);

export function changeParticipants(
  core: SimCore,
  g: Group,
  actor: Member,
  change: BinaryNode,
  reply: Reply,
): void {
  const action = change.tag as Action;
  assertMayChange(g, actor, 'settings');
  const affected: Member[] = [];
  const results = children(change, 'participant').map((p) => {
    const jid = p.attrs.jid ?? '';
    const a = memberOf(core, jid);
    const error = a ? applyChange(g, a, action) : '404';
    if (!error && a) affected.push(a);
    return { tag: 'participant', attrs: { jid, ...(error ? { error } : {}) } };
  });
  reply([{ tag: action, attrs: {}, content: results }]);
  if (affected.length === 0) return;
  const nodes = affected.map((a) => ({
    tag: 'participant',
    attrs: { jid: accountJid(a), lid: `${a.lidUser}@lid` },
  }));
  const members = [...g.members.values()].map((m) => m.account);
  const others = members.filter((a) => !(action === 'add' && affected.includes(a)));
  notifyMembers(core, g, action === 'remove' ? [...others, ...affected] : others, actor, {
    tag: action,
    attrs: {},
    content: nodes,
  });
  if (action === 'add') {
    notifyMembers(core, g, affected, actor, {
      tag: 'create',
      attrs: { reason: 'add' },
      content: [groupNode(g)],
    });
  }
}

/** Applies one participant change; returns WhatsApp's per-participant error code, if any. */
function applyChange(g: Group, a: Member, action: Action): string | undefined {
  const member = g.members.get(a.phone);
  if (action === 'add') {
    if (member) return '409';
    g.members.set(a.phone, { account: a, role: null });
    return undefined;
  }
  if (!member) return '404';
  if (action === 'remove') g.members.delete(a.phone);
  else member.role = action === 'promote' ? 'admin' : null;
  return undefined;
}

/** The `w:g2` iqs: create, participating, query, participant changes, settings, invites, leave. */
export function onGroupIq(core: SimCore, conn: Connection, iq: BinaryNode, reply: Reply): void {
  try {
    onGroupIqUnchecked(core, conn, iq, reply);
  } catch (err) {
    if (!(err instanceof SimError)) throw err;
    conn.send(iqError(iq, String(err.status), err.message));
  }
}

function onGroupIqUnchecked(core: SimCore, conn: Connection, iq: BinaryNode, reply: Reply): void {
  const actor = conn.account;
  const op = firstChild(iq);
  if (!actor || !op) {
    reply();
  } else if (op.tag === 'leave') {
    for (const g of children(op, 'group')) {
      const group = core.directory.groups.get(g.attrs.id ?? '');
      if (group) leaveGroup(core, actor, group);
    }
    reply();
  } else if (op.tag === 'invite' && op.attrs.code && iq.attrs.to === '@g.us') {
    const g =
      iq.attrs.type === 'set' ? joinByInvite(core, actor, op.attrs.code) : groupByInvite(core, op.attrs.code);
    // a join that waits for an admin's approval is answered as WhatsApp does, without the group
    const joined = isRequesting(g, actor) ? 'membership_approval_request' : 'group';
    reply(iq.attrs.type === 'set' ? [{ tag: joined, attrs: { jid: g.id } }] : [groupNode(g)]);
  } else if (op.tag === 'create') {
    createGroup(core, actor, op, reply);
  } else if (op.tag === 'participating') {
    const mine = [...core.directory.groups.values()].filter((g) => g.members.has(actor.phone));
    reply([{ tag: 'groups', attrs: {}, content: mine.map(groupNode) }]);
  } else {
    onExistingGroupIq(core, conn, actor, iq, op, reply);
  }
}

function onExistingGroupIq(
  core: SimCore,
  conn: Connection,
  actor: Account,
  iq: BinaryNode,
  op: BinaryNode,
  reply: Reply,
) {
  const g = core.directory.groups.get(iq.attrs.to ?? '');
  if (!g) {
    conn.send(iqError(iq, '404', 'item-not-found'));
  } else if (!g.members.has(actor.phone)) {
    conn.send(iqError(iq, '403', 'forbidden'));
  } else if (op.tag === 'query') {
    reply([groupNode(g)]);
  } else if (op.tag === 'add' || op.tag === 'remove' || op.tag === 'promote' || op.tag === 'demote') {
    changeParticipants(core, g, actor, op, reply);
  } else if (!onGroupAdminIq(core, actor, g, iq, op, reply) && !onGroupRequestIq(core, actor, g, op, reply)) {
    reply();
  }
}

/** A group message: the server fans the sender-key ciphertext (and key distributions) out to members. */
export function relayGroupMessage(core: SimCore, conn: Connection, node: BinaryNode): void {
  const { account: sender, device } = conn;
  const { attrs } = node;
  const t = unixNow();
  const g = core.directory.groups.get(attrs.to ?? '');
  if (!sender || !device) return;
  if (!g?.members.has(sender.phone) || (g.settings.announce && !isAdmin(g, sender))) {
    conn.send({
      tag: 'ack',
      attrs: { class: 'message', id: attrs.id ?? '', from: attrs.to ?? '', t, error: '403' },
    });
    return;
  }
  conn.send({ tag: 'ack', attrs: { class: 'message', id: attrs.id ?? '', from: g.id, t } });
  const direct = new Map(
    children(child(node, 'participants'), 'to').map((x) => [x.attrs.jid ?? '', child(x, 'enc')]),
  );
  const skmsg = children(node, 'enc').find((e) => e.attrs.type === 'skmsg');
  const deviceIdentity = child(node, 'device-identity');
  for (const { account } of g.members.values()) {
    if (!isAccount(account)) {
      const own =
        direct.get(`${account.phone}@${S_WA}`) ??
        direct.get(`${account.phone}:0@${S_WA}`) ??
        direct.get(`${account.lidUser}@lid`);
      const groupId = g.id;
      const id = attrs.id ?? '';
      relayToContact(core, account, {
        id,
        groupId,
        senderPhone: sender.phone,
        senderDevice: device.id,
        own,
        skmsg,
      });
      continue;
    }
    for (const d of account.devices.keys()) {
      if (account === sender && d === device.id) continue;
      const own = direct.get(`${account.phone}:${d}@${S_WA}`) ?? direct.get(`${account.lidUser}:${d}@lid`);
      const content = [
        ...(own ? [own] : []),
        ...(skmsg ? [skmsg] : []),
        ...(own?.attrs.type === 'pkmsg' && deviceIdentity ? [deviceIdentity] : []),
      ];
      if (content.length === 0) continue;
      core.deliverToDevice(account, d, {
        tag: 'message',
        attrs: {
          id: attrs.id ?? '',
          from: g.id,
          participant: `${sender.phone}:${device.id}@${S_WA}`,
          participant_lid: `${sender.lidUser}@lid`,
          t,
          type: attrs.type ?? 'text',
          ...(device.pushName ? { notify: device.pushName } : {}),
          ...(attrs.edit ? { edit: attrs.edit } : {}),
        },
        content,
      });
    }
  }
}
