import type { Group, JoinRequest } from '../network/model.ts';
import { type BinaryNode, children, S_WA, unixNow } from '../wire/binary-node.ts';
import { assertMayChange } from './group-admin.ts';
import { groupNode, type Member, memberOf, notifyMembers } from './groups.ts';
import type { SimCore } from './sim-core.ts';

type Reply = (content?: BinaryNode[]) => void;
export type RequestAction = 'approve' | 'reject';
const accountJid = (a: { phone: string }) => `${a.phone}@${S_WA}`;
const lidJid = (a: { lidUser: string }) => `${a.lidUser}@lid`;

const requestsOf = (g: Group): Map<string, JoinRequest> => {
  if (!g.requests) g.requests = new Map();
  return g.requests;
};
const admins = (g: Group): Member[] =>
  [...g.members.values()].filter((m) => m.role !== null).map((m) => m.account);

/** The one a request names, as `w:gp2` notifications carry them: the LID, with the phone beside it. */
const requesterNode = (m: Member): BinaryNode => ({
  tag: 'participant',
  attrs: { jid: lidJid(m), phone_number: accountJid(m) },
});

/** A new member joins: the members see an `add`, the newcomer the whole group (WhatsApp's shape). */
export function admitMember(core: SimCore, g: Group, member: Member, actor: Member, reason: string): void {
  const others = [...g.members.values()].map((m) => m.account);
  g.members.set(member.phone, { account: member, role: null });
  const added = { tag: 'participant', attrs: { jid: accountJid(member), lid: lidJid(member) } };
  notifyMembers(core, g, others, actor, { tag: 'add', attrs: { reason }, content: [added] });
  notifyMembers(core, g, [member], actor, {
    tag: 'create',
    attrs: { reason },
    content: [groupNode(g)],
  });
}

/** Following the link of a group that admits by approval: a pending request the admins are told of. */
export function requestToJoin(core: SimCore, g: Group, member: Member, method = 'invite_link'): void {
  const requests = requestsOf(g);
  if (requests.has(member.phone)) return;
  requests.set(member.phone, { member, method, t: Number(unixNow()) });
  notifyMembers(core, g, admins(g), member, {
    tag: 'created_membership_requests',
    attrs: { request_method: method },
    content: [requesterNode(member)],
  });
}

/** The pending requests, oldest first. */
export function pendingRequests(g: Group): JoinRequest[] {
  return [...requestsOf(g).values()].sort((a, b) => a.t - b.t);
}

/**
 * An admin approves (the requester becomes a member, with the usual add notices) or rejects (the
 * request goes, and the admins are told). Returns WhatsApp's error code per jid, none when done.
 */
export function decideRequests(
  core: SimCore,
  g: Group,
  actor: Member,
  action: RequestAction,
  jids: string[],
): Array<{ jid: string; error?: string }> {
  assertMayChange(g, actor, 'settings');
  const requests = requestsOf(g);
  return jids.map((jid) => {
    const member = memberOf(core, jid);
    if (!member || !requests.has(member.phone)) return { jid, error: '404' };
    requests.delete(member.phone);
    if (action === 'approve') {
      if (!g.members.has(member.phone)) admitMember(core, g, member, actor, 'approval');
    } else {
      notifyMembers(core, g, admins(g), actor, {
        tag: 'revoked_membership_requests',
        attrs: {},
        content: [requesterNode(member)],
      });
    }
    return { jid };
  });
}

const requestNode = (r: JoinRequest): BinaryNode => ({
  tag: 'membership_approval_request',
  attrs: {
    jid: accountJid(r.member),
    lid: lidJid(r.member),
    phone_number: accountJid(r.member),
    request_method: r.method,
    request_time: String(r.t),
  },
});

/**
 * The request iqs of an existing group: `membership_approval_requests` (get: the list) and
 * `membership_requests_action` (set: approve or reject); false for any other `op`.
 */
export function onGroupRequestIq(
  core: SimCore,
  actor: Member,
  g: Group,
  op: BinaryNode,
  reply: Reply,
): boolean {
  if (op.tag === 'membership_approval_requests') {
    assertMayChange(g, actor, 'settings');
    reply([{ tag: op.tag, attrs: {}, content: pendingRequests(g).map(requestNode) }]);
    return true;
  }
  if (op.tag !== 'membership_requests_action') return false;
  const decisions = Array.isArray(op.content) ? op.content : [];
  const content = decisions.flatMap((decision) => {
    if (decision.tag !== 'approve' && decision.tag !== 'reject') return [];
    const jids = children(decision, 'participant').map((p) => p.attrs.jid ?? '');
    const results = decideRequests(core, g, actor, decision.tag, jids).map(({ jid, error }) => ({
      tag: 'participant',
      attrs: { jid, ...(error ? { error } : {}) },
    }));
    return [{ tag: decision.tag, attrs: {}, content: results }];
  });
  reply([{ tag: op.tag, attrs: {}, content }]);
  return true;
}

/** Whether the member is waiting for approval to join. */
export const isRequesting = (g: Group, m: Member): boolean => Boolean(g.requests?.has(m.phone));
