import type { WASocket } from 'baileys';
import type { JoinRequest, RequestAction, RequestOutcome, RequestResult } from '../group-ops.ts';

const userOf = (jid: string | undefined | null): string | null =>
  jid ? (jid.split('@')[0]?.split(':')[0] ?? null) : null;
const isLid = (jid: string | undefined): jid is string => Boolean(jid?.endsWith('@lid'));
const isPhoneJid = (jid: string | undefined): jid is string => Boolean(jid?.endsWith('@s.whatsapp.net'));

/** A per-participant status code of an approve or reject, in the gateway's words. */
export function requestResult(action: RequestAction, code: string): RequestResult {
  if (code === '200') return action === 'approve' ? 'approved' : 'rejected';
  if (code === '404') return 'not_requested';
  return 'failed';
}

/** One `membership_approval_request` as Baileys hands it over (its attributes), phone beside the LID. */
export async function joinRequestOf(sock: WASocket, attrs: Record<string, string>): Promise<JoinRequest> {
  const jid = attrs.jid ?? '';
  const lid = isLid(jid) ? jid : isLid(attrs.lid) ? attrs.lid : null;
  let phone = isPhoneJid(jid) ? userOf(jid) : userOf(attrs.phone_number);
  if (!phone && lid)
    phone = userOf(await sock.signalRepository.lidMapping.getPNForLID(lid).catch(() => null));
  const seconds = Number(attrs.request_time);
  return {
    jid,
    phone,
    lid,
    method: attrs.request_method ?? null,
    requestedAt: Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000).toISOString() : null,
  };
}

export async function listJoinRequests(sock: WASocket, groupJid: string): Promise<JoinRequest[]> {
  const all = await sock.groupRequestParticipantsList(groupJid);
  return Promise.all(all.map((attrs) => joinRequestOf(sock, attrs)));
}

export async function decideJoinRequests(
  sock: WASocket,
  groupJid: string,
  action: RequestAction,
  participants: string[],
): Promise<RequestOutcome[]> {
  const answer = await sock.groupRequestParticipantsUpdate(groupJid, participants, action);
  return answer.map((a) => ({ jid: a.jid ?? '', result: requestResult(action, a.status), code: a.status }));
}
