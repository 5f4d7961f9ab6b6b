import type { BaileysEventMap } from 'baileys';
import type { Notice } from '../engine.ts';

/** Presence updates as notices, one per participant. */
export function presenceNotices(update: BaileysEventMap['presence.update']): Notice[] {
  return Object.entries(update.presences).map(([participant, p]) => ({
    kind: 'presence',
    chatJid: update.id,
    participant,
    presence: p.lastKnownPresence,
    lastSeen: p.lastSeen ?? null,
  }));
}

export function callNotices(calls: BaileysEventMap['call']): Notice[] {
  return calls.map((c) => ({
    kind: 'call',
    callId: c.id,
    from: c.from,
    isVideo: Boolean(c.isVideo),
    isGroup: Boolean(c.isGroup),
    status: c.status,
  }));
}
