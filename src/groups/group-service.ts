import { type Instance, isLinked } from '../domain/instance.ts';
import { normalizePhone } from '../domain/phone.ts';
import type { Principal } from '../domain/tenant.ts';
import type {
  GroupInfo,
  GroupOps,
  GroupPatch,
  JoinRequest,
  JoinResult,
  ParticipantAction,
  ParticipantOutcome,
  RequestAction,
  RequestOutcome,
} from '../engine/group-ops.ts';
import { Errors, ZapgateError } from '../errors.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import type { SessionControl } from '../sessions/session-control.ts';

const GROUP_JID = /^(\d{5,40}(?:-\d+)?)(?:@g\.us)?$/;
const INVITE_CODE = /^[A-Za-z0-9_-]{8,64}$/;
const INVITE_LINK = /^https:\/\/chat\.whatsapp\.com\/(?:invite\/)?([A-Za-z0-9_-]{8,64})\/?$/;
export const INVITE_LINK_PREFIX = 'https://chat.whatsapp.com/';

/** A group in a list: enough to pick one without reading every member. */
export interface GroupSummary {
  jid: string;
  subject: string;
  size: number;
  /** The instance's number is an admin of the group. */
  isAdmin: boolean;
}

export const invalidGroupJid = (value: string) =>
  new ZapgateError('ZG_ERR_INVALID_GROUP_JID', 400, `"${value}" is not a group jid (digits, then @g.us)`, {
    field: 'jid',
  });

const notConnected = (instance: Instance) =>
  new ZapgateError(
    'ZG_ERR_NOT_CONNECTED',
    409,
    `instance ${instance.name} is not connected (status ${instance.status}); groups need its live connection`,
  );

/** `120363…@g.us`, from the jid or its digits; a coded 400 for anything else. */
export function groupJidOf(value: string): string {
  const digits = GROUP_JID.exec(value.trim())?.[1];
  if (!digits) throw invalidGroupJid(value);
  return `${digits}@g.us`;
}

/** A participant as WhatsApp wants it: a phone-number jid (or an `@lid` as given). */
export function participantJidOf(value: string): string {
  const trimmed = value.trim();
  if (/^\d{5,20}@lid$/.test(trimmed)) return trimmed;
  const user = /^(\d+)(?::\d+)?@s\.whatsapp\.net$/.exec(trimmed)?.[1];
  const phone = normalizePhone(user ?? trimmed);
  if (!phone)
    throw new ZapgateError(
      'ZG_ERR_INVALID_PARTICIPANT',
      400,
      `"${value}" is not a phone number in international form or a WhatsApp jid`,
      { participant: value },
    );
  return `${phone}@s.whatsapp.net`;
}

/** The code of an invite, from the code itself or a `chat.whatsapp.com` link. */
export function inviteCodeOf(value: string): string {
  const trimmed = value.trim();
  const code = INVITE_LINK.exec(trimmed)?.[1] ?? (INVITE_CODE.test(trimmed) ? trimmed : undefined);
  if (!code)
    throw new ZapgateError('ZG_ERR_INVALID_INVITE', 400, `"${value}" is not an invite code or link`, {
      field: 'code',
    });
  return code;
}

const inviteOf = (code: string) => ({ code, link: `${INVITE_LINK_PREFIX}${code}` });

/** Groups of an instance, for the API: each call runs on the instance's live connection. */
export class GroupService {
  constructor(
    private readonly instances: InstanceService,
    private readonly sessions: SessionControl,
  ) {}

  /** The live connection's groups; a 409 when the instance is not connected. */
  private opsOf(instance: Instance): GroupOps {
    const conn = isLinked(instance) ? this.sessions.connectionOf(instance) : undefined;
    if (!conn) throw notConnected(instance);
    return conn.groups;
  }

  /** The instance first (another tenant's is a 404 whatever the input), then the input, then the link. */
  private async live<T>(
    principal: Principal,
    id: string,
    check: () => T,
  ): Promise<{ ops: GroupOps; input: T; instance: Instance }> {
    const instance = await this.instances.find(principal, id);
    const input = check();
    return { ops: this.opsOf(instance), input, instance };
  }

  async create(
    principal: Principal,
    id: string,
    subject: string,
    participants: string[],
  ): Promise<GroupInfo> {
    const { ops, input } = await this.live(principal, id, () => {
      if (!subject.trim()) throw Errors.validation('subject must not be blank', { field: 'subject' });
      return [...new Set(participants.map(participantJidOf))];
    });
    return ops.create(subject.trim(), input);
  }

  async list(principal: Principal, id: string): Promise<GroupSummary[]> {
    const { instance, ops } = await this.live(principal, id, () => undefined);
    const groups = await ops.list();
    return groups
      .map((g) => ({
        jid: g.jid,
        subject: g.subject,
        size: g.size,
        isAdmin: g.participants.some((p) => p.phone === instance.phone && p.role !== 'member'),
      }))
      .sort((a, b) => a.subject.localeCompare(b.subject) || a.jid.localeCompare(b.jid));
  }

  async get(principal: Principal, id: string, jid: string): Promise<GroupInfo> {
    const { ops, input } = await this.live(principal, id, () => groupJidOf(jid));
    return ops.get(input);
  }

  async update(principal: Principal, id: string, jid: string, patch: GroupPatch): Promise<GroupInfo> {
    const { ops, input } = await this.live(principal, id, () => {
      if (Object.keys(patch).length === 0)
        throw Errors.validation('nothing to change: give at least one field');
      if (patch.subject !== undefined && !patch.subject.trim())
        throw Errors.validation('subject must not be blank', { field: 'subject' });
      return groupJidOf(jid);
    });
    return ops.update(input, patch);
  }

  async participants(
    principal: Principal,
    id: string,
    jid: string,
    action: ParticipantAction,
    participants: string[],
  ): Promise<ParticipantOutcome[]> {
    const { ops, input } = await this.live(principal, id, () => ({
      groupJid: groupJidOf(jid),
      jids: [...new Set(participants.map(participantJidOf))],
    }));
    return ops.participants(input.groupJid, action, input.jids);
  }

  /** The requests to join waiting for an admin (the group admits by approval). */
  async requests(principal: Principal, id: string, jid: string): Promise<JoinRequest[]> {
    const { ops, input } = await this.live(principal, id, () => groupJidOf(jid));
    return ops.requests(input);
  }

  async decideRequests(
    principal: Principal,
    id: string,
    jid: string,
    action: RequestAction,
    participants: string[],
  ): Promise<RequestOutcome[]> {
    const { ops, input } = await this.live(principal, id, () => ({
      groupJid: groupJidOf(jid),
      jids: [...new Set(participants.map(participantJidOf))],
    }));
    return ops.decideRequests(input.groupJid, action, input.jids);
  }

  async invite(principal: Principal, id: string, jid: string): Promise<{ code: string; link: string }> {
    const { ops, input } = await this.live(principal, id, () => groupJidOf(jid));
    return inviteOf(await ops.inviteCode(input));
  }

  async revokeInvite(principal: Principal, id: string, jid: string): Promise<{ code: string; link: string }> {
    const { ops, input } = await this.live(principal, id, () => groupJidOf(jid));
    return inviteOf(await ops.revokeInvite(input));
  }

  async join(principal: Principal, id: string, codeOrLink: string): Promise<JoinResult> {
    const { ops, input } = await this.live(principal, id, () => inviteCodeOf(codeOrLink));
    return ops.join(input);
  }

  async leave(principal: Principal, id: string, jid: string): Promise<void> {
    const { ops, input } = await this.live(principal, id, () => groupJidOf(jid));
    await ops.leave(input);
  }

  async picture(principal: Principal, id: string, jid: string): Promise<{ url: string | null }> {
    const { ops, input } = await this.live(principal, id, () => groupJidOf(jid));
    return { url: await ops.pictureUrl(input) };
  }

  async setPicture(
    principal: Principal,
    id: string,
    jid: string,
    imageBase64: string,
  ): Promise<{ url: string | null }> {
    const { ops, input } = await this.live(principal, id, () => {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(imageBase64) || imageBase64.length % 4 === 1)
        throw new ZapgateError('ZG_ERR_INVALID_MEDIA', 400, 'image must be base64', { field: 'image' });
      return groupJidOf(jid);
    });
    await ops.setPicture(input, imageBase64);
    return { url: await ops.pictureUrl(input) };
  }
}
