import { DisconnectReason } from 'baileys';
import type { CloseInfo } from '../engine.ts';

interface BoomLike {
  message?: string;
  output?: { statusCode?: number };
}

/** Sorts a Baileys close into what the session manager does next. */
export function classifyClose(error: unknown, closedByUs: boolean): CloseInfo {
  const boom = (error ?? {}) as BoomLike;
  const code = boom.output?.statusCode ?? 0;
  const message = boom.message ?? 'connection closed';
  if (closedByUs) return { kind: 'closed', code, message };
  if (code === DisconnectReason.loggedOut || code === DisconnectReason.forbidden)
    return { kind: 'logged_out', code, message };
  if (/certificat|signature/i.test(message)) return { kind: 'refused', code, message };
  if (code === DisconnectReason.restartRequired) return { kind: 'restart_required', code, message };
  if (code === DisconnectReason.connectionReplaced) return { kind: 'replaced', code, message };
  if (code === DisconnectReason.timedOut && /QR refs/i.test(message))
    return { kind: 'qr_expired', code, message };
  return { kind: 'connection_lost', code, message };
}
