/**
 * What a linked number can do with WhatsApp groups. Every argument and result is plain JSON, so
 * an API node can have any of these run by the worker that owns the instance (one generic command).
 */

export type GroupRole = 'superadmin' | 'admin' | 'member';

export interface GroupParticipant {
  /** As WhatsApp names the member: a phone-number jid or an `@lid`. */
  jid: string;
  /** The phone number, beside an `@lid`, whenever it is known. */
  phone: string | null;
  lid: string | null;
  role: GroupRole;
}

export interface GroupInfo {
  jid: string;
  subject: string;
  description: string | null;
  /** Who created the group. */
  owner: string | null;
  /** ISO time of creation. */
  createdAt: string | null;
  size: number;
  /** Only admins may send. */
  announce: boolean;
  /** Only admins may edit the group's info. */
  locked: boolean;
  /** Disappearing messages after this many seconds (0: off). */
  ephemeral: number;
  joinApproval: boolean;
  participants: GroupParticipant[];
}

export interface GroupPatch {
  subject?: string;
  /** null removes it. */
  description?: string | null;
  announce?: boolean;
  locked?: boolean;
  ephemeral?: number;
  joinApproval?: boolean;
}

export const PARTICIPANT_ACTIONS = ['add', 'remove', 'promote', 'demote'] as const;
export type ParticipantAction = (typeof PARTICIPANT_ACTIONS)[number];

/** What happened to one participant of a change, in the gateway's words and WhatsApp's code. */
export type ParticipantResult =
  | 'added'
  | 'removed'
  | 'promoted'
  | 'demoted'
  | 'invited'
  | 'not_on_whatsapp'
  | 'already_member'
  | 'not_member'
  | 'failed';

export interface ParticipantOutcome {
  jid: string;
  result: ParticipantResult;
  code: string;
}

/** Someone waiting for an admin's approval to join (join approval on, then the invite link followed). */
export interface JoinRequest {
  /** As WhatsApp names the requester: a phone-number jid or an `@lid`. */
  jid: string;
  /** The phone number, beside an `@lid`, whenever it is known. */
  phone: string | null;
  lid: string | null;
  /** How they asked, in WhatsApp's words (`invite_link`), when it says. */
  method: string | null;
  /** ISO time of the request, when WhatsApp says. */
  requestedAt: string | null;
}

export const REQUEST_ACTIONS = ['approve', 'reject'] as const;
export type RequestAction = (typeof REQUEST_ACTIONS)[number];
export type RequestResult = 'approved' | 'rejected' | 'not_requested' | 'failed';

export interface RequestOutcome {
  jid: string;
  result: RequestResult;
  code: string;
}

export interface JoinResult {
  jid: string;
  /** The group admits by approval: the admins were asked, it is not a member yet. */
  pending?: true;
}

export interface GroupOps {
  create(subject: string, participants: string[]): Promise<GroupInfo>;
  /** Every group the number is in. */
  list(): Promise<GroupInfo[]>;
  get(jid: string): Promise<GroupInfo>;
  update(jid: string, patch: GroupPatch): Promise<GroupInfo>;
  participants(jid: string, action: ParticipantAction, participants: string[]): Promise<ParticipantOutcome[]>;
  inviteCode(jid: string): Promise<string>;
  /** A new code; the old link stops working. */
  revokeInvite(jid: string): Promise<string>;
  /** Joins by an invite code; `pending` when the group admits by approval (a request was made). */
  join(code: string): Promise<JoinResult>;
  leave(jid: string): Promise<void>;
  pictureUrl(jid: string): Promise<string | null>;
  /** Sets the group's picture from image bytes (base64, so the call stays JSON). */
  setPicture(jid: string, imageBase64: string): Promise<void>;
  /** The pending requests to join (admins only). */
  requests(jid: string): Promise<JoinRequest[]>;
  /** Approves (they become members) or rejects requests to join, with an outcome per participant. */
  decideRequests(jid: string, action: RequestAction, participants: string[]): Promise<RequestOutcome[]>;
}
export type GroupOpName = keyof GroupOps;

export const GROUP_OP_NAMES = [
  'create',
  'list',
  'get',
  'update',
  'participants',
  'inviteCode',
  'revokeInvite',
  'join',
  'leave',
  'pictureUrl',
  'setPicture',
  'requests',
  'decideRequests',
] as const satisfies readonly GroupOpName[];

export const isGroupOpName = (name: string): name is GroupOpName =>
  (GROUP_OP_NAMES as readonly string[]).includes(name);

/** Runs one call by name with JSON arguments (how the owner of an instance serves API nodes). */
export function runGroupOp(ops: GroupOps, method: string, args: unknown[]): Promise<unknown> {
  if (!isGroupOpName(method)) return Promise.reject(new TypeError(`no group call ${method}`));
  const call = ops[method] as (...a: unknown[]) => Promise<unknown>;
  return call.apply(ops, args);
}

/** GroupOps whose every call goes through `invoke` (an API node's commands to the owner). */
export function groupOpsVia(invoke: (method: GroupOpName, args: unknown[]) => Promise<unknown>): GroupOps {
  const entries = GROUP_OP_NAMES.map((name) => [name, (...args: unknown[]) => invoke(name, args)] as const);
  return Object.fromEntries(entries) as unknown as GroupOps;
}
