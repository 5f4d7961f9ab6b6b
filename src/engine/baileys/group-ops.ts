import { type GroupMetadata, isLidUser, isPnUser, jidNormalizedUser, type WASocket } from 'baileys';
import { Errors, ZapgateError } from '../../errors.ts';
import type {
  GroupInfo,
  GroupOps,
  GroupParticipant,
  GroupPatch,
  JoinResult,
  ParticipantAction,
  ParticipantOutcome,
  ParticipantResult,
  RequestAction,
} from '../group-ops.ts';
import { decideJoinRequests, listJoinRequests } from './group-requests.ts';

/** An iq error's code: Baileys keeps it as the Boom's data (its statusCode is then a 500). */
function statusCodeOf(err: unknown): number | undefined {
  const data = (err as { data?: unknown }).data;
  if (typeof data === 'number' && Number.isFinite(data)) return data;
  return (err as { output?: { statusCode?: number } }).output?.statusCode;
}

/** WhatsApp's refusals as the gateway's coded errors: 403 not an admin, 404 no such group… */
async function coded<T>(work: Promise<T>, what: string): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof ZapgateError) throw err;
    const code = statusCodeOf(err);
    const message = `${what}: ${(err as Error).message}`;
    if (code === 403 || code === 401) throw new ZapgateError('ZG_ERR_GROUP_FORBIDDEN', 403, message);
    if (code === 404 || code === 406) throw Errors.notFound(what);
    if (code === 409) throw Errors.conflict(message);
    if (code === 400) throw Errors.validation(message);
    throw err;
  }
}

const PAST: Readonly<Record<ParticipantAction, ParticipantResult>> = {
  add: 'added',
  remove: 'removed',
  promote: 'promoted',
  demote: 'demoted',
};

/** A per-participant status code in the gateway's words (WhatsApp answers 403 with an invite). */
export function participantResult(action: ParticipantAction, code: string): ParticipantResult {
  if (code === '200') return PAST[action];
  if (code === '403' && action === 'add') return 'invited';
  if (code === '404') return action === 'add' ? 'not_on_whatsapp' : 'not_member';
  if (code === '409') return 'already_member';
  return 'failed';
}

const userOf = (jid: string | undefined | null): string | null =>
  jid ? (jid.split('@')[0]?.split(':')[0] ?? null) : null;

/** The group's Baileys sockets calls, mapped to and from the gateway's shapes. */
export class BaileysGroupOps implements GroupOps {
  constructor(private readonly sock: WASocket) {}

  private async participant(p: GroupMetadata['participants'][number]): Promise<GroupParticipant> {
    const lid = isLidUser(p.id) ? p.id : (p.lid ?? null);
    let phone = isPnUser(p.id) ? userOf(p.id) : userOf(p.phoneNumber);
    if (!phone && lid) {
      const pn = await this.sock.signalRepository.lidMapping.getPNForLID(lid).catch(() => null);
      phone = userOf(pn);
    }
    const role = p.admin === 'superadmin' || p.admin === 'admin' ? p.admin : 'member';
    return { jid: p.id, phone, lid, role };
  }

  private async info(m: GroupMetadata): Promise<GroupInfo> {
    return {
      jid: m.id,
      subject: m.subject,
      description: m.desc ?? null,
      owner: m.owner ?? null,
      createdAt: m.creation ? new Date(m.creation * 1000).toISOString() : null,
      size: m.size ?? m.participants.length,
      announce: Boolean(m.announce),
      locked: Boolean(m.restrict),
      ephemeral: m.ephemeralDuration ?? 0,
      joinApproval: Boolean(m.joinApprovalMode),
      participants: await Promise.all(m.participants.map((p) => this.participant(p))),
    };
  }

  async create(subject: string, participants: string[]): Promise<GroupInfo> {
    return this.info(await coded(this.sock.groupCreate(subject, participants), 'creating the group'));
  }

  async list(): Promise<GroupInfo[]> {
    const all = await coded(this.sock.groupFetchAllParticipating(), 'listing the groups');
    return Promise.all(Object.values(all).map((m) => this.info(m)));
  }

  async get(jid: string): Promise<GroupInfo> {
    return this.info(await coded(this.sock.groupMetadata(jid), `group ${jid}`));
  }

  async update(jid: string, patch: GroupPatch): Promise<GroupInfo> {
    const what = `changing group ${jid}`;
    const s = this.sock;
    if (patch.subject !== undefined) await coded(s.groupUpdateSubject(jid, patch.subject), what);
    if (patch.description !== undefined)
      await coded(s.groupUpdateDescription(jid, patch.description ?? undefined), what);
    if (patch.announce !== undefined)
      await coded(s.groupSettingUpdate(jid, patch.announce ? 'announcement' : 'not_announcement'), what);
    if (patch.locked !== undefined)
      await coded(s.groupSettingUpdate(jid, patch.locked ? 'locked' : 'unlocked'), what);
    if (patch.ephemeral !== undefined) await coded(s.groupToggleEphemeral(jid, patch.ephemeral), what);
    if (patch.joinApproval !== undefined)
      await coded(s.groupJoinApprovalMode(jid, patch.joinApproval ? 'on' : 'off'), what);
    return this.get(jid);
  }

  async participants(
    jid: string,
    action: ParticipantAction,
    participants: string[],
  ): Promise<ParticipantOutcome[]> {
    const answer = await coded(
      this.sock.groupParticipantsUpdate(jid, participants, action),
      `${action} in group ${jid}`,
    );
    return answer.map((a) => ({
      jid: a.jid ?? '',
      result: participantResult(action, a.status),
      code: a.status,
    }));
  }

  async inviteCode(jid: string): Promise<string> {
    const code = await coded(this.sock.groupInviteCode(jid), `the invite code of ${jid}`);
    if (!code) throw Errors.notFound(`an invite code for ${jid}`);
    return code;
  }

  async revokeInvite(jid: string): Promise<string> {
    const code = await coded(this.sock.groupRevokeInvite(jid), `revoking the invite of ${jid}`);
    if (!code) throw Errors.notFound(`an invite code for ${jid}`);
    return code;
  }

  async join(code: string): Promise<JoinResult> {
    const jid = await coded(this.sock.groupAcceptInvite(code), `the invite code ${code}`);
    if (jid) return { jid: jidNormalizedUser(jid) };
    // WhatsApp answers a join that waits for an admin's approval without the group
    const invited = await coded(this.sock.groupGetInviteInfo(code), `the invite code ${code}`);
    if (!invited?.id) throw Errors.notFound(`a group for the invite code ${code}`);
    return { jid: jidNormalizedUser(invited.id), pending: true };
  }

  async leave(jid: string): Promise<void> {
    await coded(this.sock.groupLeave(jid), `leaving group ${jid}`);
  }

  async pictureUrl(jid: string): Promise<string | null> {
    try {
      return (await this.sock.profilePictureUrl(jid, 'image')) ?? null;
    } catch (err) {
      const code = statusCodeOf(err);
      if (code === 404 || code === 401 || code === 403) return null;
      throw err;
    }
  }

  requests(jid: string) {
    return coded(listJoinRequests(this.sock, jid), `the requests to join ${jid}`);
  }

  decideRequests(jid: string, action: RequestAction, participants: string[]) {
    return coded(decideJoinRequests(this.sock, jid, action, participants), `${action} in group ${jid}`);
  }

  async setPicture(jid: string, imageBase64: string): Promise<void> {
    const bytes = Buffer.from(imageBase64, 'base64');
    try {
      await coded(this.sock.updateProfilePicture(jid, bytes), `the picture of ${jid}`);
    } catch (err) {
      if (err instanceof ZapgateError) throw err;
      if (/image|unsupported|input buffer/i.test(String((err as Error).message)))
        throw new ZapgateError('ZG_ERR_INVALID_MEDIA', 400, `the picture is not an image we can read`);
      throw err;
    }
  }
}
