import { badInput, notFound } from './errors.ts';
import type { Account, Group } from './network/model.ts';
import { type CallRecord, callsFrom, offerCall } from './server/calls.ts';
import {
  type GroupToggle,
  joinByInvite,
  leaveGroup,
  setDescription,
  setEphemeral,
  setJoinApproval,
  setSubject,
  setToggle,
} from './server/group-admin.ts';
import { type ContactGroupNotice, contactGroupNotices } from './server/group-contacts.ts';
import { decideRequests, pendingRequests, type RequestAction } from './server/group-requests.ts';
import { changeParticipants, type Member } from './server/groups.ts';
import type { SimCore } from './server/sim-core.ts';
import { type BinaryNode, children, S_WA } from './wire/binary-node.ts';

export interface GroupState {
  id: string;
  subject: string;
  description: string | null;
  announce: boolean;
  locked: boolean;
  ephemeral: number;
  joinApproval: boolean;
  inviteCode: string;
  pictureUrl: string | null;
  participants: Array<{ phone: string; lid: string; role: 'superadmin' | 'admin' | null }>;
  /** Waiting for an admin's approval to join, oldest first. */
  requests: JoinRequestState[];
}

export interface JoinRequestState {
  phone: string;
  lid: string;
  method: string;
  requestedAt: string;
}

export type ParticipantAction = 'add' | 'remove' | 'promote' | 'demote';
export const PARTICIPANT_ACTIONS: readonly ParticipantAction[] = ['add', 'remove', 'promote', 'demote'];

/** What a change made by another admin (a virtual phone, not a linked client) may set. */
export interface GroupChange {
  subject?: string;
  description?: string | null;
  announce?: boolean;
  locked?: boolean;
  ephemeral?: number;
  joinApproval?: boolean;
}

/** Groups as the server holds them, and the changes a test makes as one of their members; calls. */
export class GroupAdminApi {
  constructor(private readonly core: SimCore) {}

  state(jid: string): GroupState {
    return stateOf(this.group(jid));
  }

  /** The groups a phone is in. */
  groupsOf(phone: string): GroupState[] {
    const account = this.member(phone);
    return [...this.core.directory.groups.values()].filter((g) => g.members.has(account.phone)).map(stateOf);
  }

  /** An account or a contact follows an invite link. */
  join(phone: string, code: string): GroupState {
    return stateOf(joinByInvite(this.core, this.member(phone), code));
  }

  leave(jid: string, phone: string): { ok: true } {
    leaveGroup(this.core, this.member(phone), this.group(jid));
    return { ok: true };
  }

  /** Participant changes by the member `as`, with WhatsApp's per-participant status. */
  participants(
    jid: string,
    as: string,
    action: ParticipantAction,
    phones: string[],
  ): Array<{ phone: string; status: string }> {
    const g = this.group(jid);
    const actor = this.member(as);
    let answer: BinaryNode[] = [];
    const change: BinaryNode = {
      tag: action,
      attrs: {},
      content: phones.map((p) => ({ tag: 'participant', attrs: { jid: `${p}@${S_WA}` } })),
    };
    changeParticipants(this.core, g, actor, change, (content) => {
      answer = content ?? [];
    });
    return children(answer[0], 'participant').map((p) => ({
      phone: (p.attrs.jid ?? '').split('@')[0] ?? '',
      status: p.attrs.error ?? '200',
    }));
  }

  /** Changes subject, description and settings as the member `as`; every member is told. */
  update(jid: string, as: string, change: GroupChange): GroupState {
    const g = this.group(jid);
    const actor = this.member(as);
    if (change.subject !== undefined) setSubject(this.core, g, actor, change.subject);
    if (change.description !== undefined) setDescription(this.core, g, actor, change.description);
    const toggles: Array<[boolean | undefined, GroupToggle, GroupToggle]> = [
      [change.announce, 'announcement', 'not_announcement'],
      [change.locked, 'locked', 'unlocked'],
    ];
    for (const [value, on, off] of toggles)
      if (value !== undefined) setToggle(this.core, g, actor, value ? on : off);
    if (change.ephemeral !== undefined) setEphemeral(this.core, g, actor, change.ephemeral);
    if (change.joinApproval !== undefined) setJoinApproval(this.core, g, actor, change.joinApproval);
    return stateOf(g);
  }

  /** The requests to join waiting for an admin. */
  requests(jid: string): JoinRequestState[] {
    return stateOf(this.group(jid)).requests;
  }

  /** Approves or rejects requests as the admin `as`, with WhatsApp's status per phone. */
  decideRequests(
    jid: string,
    as: string,
    action: RequestAction,
    phones: string[],
  ): Array<{ phone: string; status: string }> {
    const jids = phones.map((p) => `${p}@${S_WA}`);
    return decideRequests(this.core, this.group(jid), this.member(as), action, jids).map((r) => ({
      phone: r.jid.split('@')[0] ?? '',
      status: r.error ?? '200',
    }));
  }

  /** A contact calls an account's linked devices. */
  call(contactPhone: string, to: string, video: boolean): CallRecord {
    const contact = this.core.directory.requireContact(contactPhone);
    const account: Account = this.core.directory.requireAccount(to);
    if (account.devices.size === 0) throw badInput(`account ${to} has no linked device to ring`);
    return offerCall(this.core, contact, account, video);
  }

  calls(contactPhone: string): CallRecord[] {
    return callsFrom(this.core, this.core.directory.requireContact(contactPhone));
  }

  /** The group changes a contact member was told of. */
  contactNotices(phone: string): ContactGroupNotice[] {
    return contactGroupNotices(this.core.directory.requireContact(phone));
  }

  private member(phone: string): Member {
    const found = this.core.directory.accounts.get(phone) ?? this.core.directory.contacts.get(phone);
    if (!found) throw notFound(`no account or contact with phone ${phone}`);
    return found;
  }

  private group(jid: string): Group {
    const id = jid.includes('@') ? jid : `${jid}@g.us`;
    const g = this.core.directory.groups.get(id);
    if (!g) throw notFound(`no group ${id}`);
    return g;
  }
}

function stateOf(g: Group): GroupState {
  const s = g.settings;
  return {
    id: g.id,
    subject: g.subject,
    description: s.description?.body ?? null,
    announce: s.announce,
    locked: s.locked,
    ephemeral: s.ephemeral,
    joinApproval: s.joinApproval,
    inviteCode: s.inviteCode,
    pictureUrl: s.picture?.url ?? null,
    participants: [...g.members.values()].map(({ account, role }) => ({
      phone: account.phone,
      lid: `${account.lidUser}@lid`,
      role,
    })),
    requests: pendingRequests(g).map((r) => ({
      phone: r.member.phone,
      lid: `${r.member.lidUser}@lid`,
      method: r.method,
      requestedAt: new Date(r.t * 1000).toISOString(),
    })),
  };
}
