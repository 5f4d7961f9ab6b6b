import type { BinaryNode, WASocket } from 'baileys';
import type { Notice } from '../engine.ts';

type Changes = NonNullable<Extract<Notice, { kind: 'group' }>['changes']>;

const kids = (node: BinaryNode | undefined): BinaryNode[] =>
  Array.isArray(node?.content) ? (node.content as BinaryNode[]) : [];
const text = (node: BinaryNode | undefined): string | null => {
  const c = node?.content;
  if (c instanceof Uint8Array) return Buffer.from(c).toString('utf8');
  return typeof c === 'string' ? c : null;
};

/** What one `w:gp2` child changed, in the gateway's words. */
function changesOf(change: BinaryNode): { action: string; changes: Changes } {
  const a = change.attrs;
  switch (change.tag) {
    case 'subject':
      return { action: 'subject', changes: { subject: a.subject ?? null } };
    case 'description': {
      const body = kids(change).find((k) => k.tag === 'body');
      return { action: 'description', changes: { description: a.delete === 'true' ? null : text(body) } };
    }
    case 'announcement':
    case 'not_announcement':
      return { action: 'announce', changes: { announce: change.tag === 'announcement' } };
    case 'locked':
    case 'unlocked':
      return { action: 'locked', changes: { locked: change.tag === 'locked' } };
    case 'ephemeral':
    case 'not_ephemeral':
      return { action: 'ephemeral', changes: { ephemeral: Number(a.expiration ?? 0) } };
    case 'membership_approval_mode': {
      const state = kids(change).find((k) => k.tag === 'group_join')?.attrs.state;
      return { action: 'join_approval', changes: { joinApproval: state === 'on' } };
    }
    case 'invite':
      return { action: 'invite_revoked', changes: {} };
    case 'created_membership_requests':
      return { action: 'join_request', changes: { method: a.request_method ?? null } };
    case 'revoked_membership_requests':
      // the requester withdrew it, or an admin (the author) rejected it
      return { action: 'join_request_revoked', changes: {} };
    case 'create':
      return { action: 'create', changes: { subject: kids(change)[0]?.attrs.subject ?? null } };
    default:
      return { action: change.tag, changes: {} };
  }
}

/** Participants named by a change: their phone-number jid where WhatsApp gives one. */
const participantsOf = (change: BinaryNode): string[] =>
  kids(change)
    .filter((k) => k.tag === 'participant')
    .map((k) => k.attrs.phone_number ?? k.attrs.jid ?? '')
    .filter(Boolean);

/** The notices of one `w:gp2` notification: one per change it carries. */
export function groupNoticesOf(node: BinaryNode): Notice[] {
  return kids(node).map((change) => {
    const { action, changes } = changesOf(change);
    return {
      kind: 'group',
      groupJid: node.attrs.from ?? '',
      action,
      participants: participantsOf(change),
      author: node.attrs.participant_pn ?? node.attrs.participant ?? null,
      subject: typeof changes.subject === 'string' ? changes.subject : null,
      changes,
    };
  });
}

/** A `picture` notification about a group (a contact's picture is not a group notice). */
export function groupPictureNoticeOf(node: BinaryNode): Notice | undefined {
  const from = node.attrs.from ?? '';
  if (!from.endsWith('@g.us')) return undefined;
  const set = kids(node).find((k) => k.tag === 'set');
  return {
    kind: 'group',
    groupJid: from,
    action: 'picture',
    participants: [],
    author: (set ?? kids(node)[0])?.attrs.author ?? null,
    subject: null,
    changes: { picture: set ? 'set' : 'removed' },
  };
}

/**
 * Group notices straight from WhatsApp's `w:gp2` and picture notifications, one per change.
 * Baileys' own `groups.update` keeps only the first change of a group per event buffer.
 */
export function watchGroupNotices(sock: WASocket, emit: (notice: Notice) => void): void {
  sock.ws.on('CB:notification,type:w:gp2', (node: BinaryNode) => {
    for (const notice of groupNoticesOf(node)) emit(notice);
  });
  sock.ws.on('CB:notification,type:picture', (node: BinaryNode) => {
    const notice = groupPictureNoticeOf(node);
    if (notice) emit(notice);
  });
}
