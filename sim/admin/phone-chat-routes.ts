import { badInput } from '../errors.ts';
import type { PhoneChatChange } from '../server/phone-app-state.ts';
import type { SimulatorApi } from '../simulator-api.ts';
import type { Route } from './admin-api.ts';

const PHONE = '([0-9]{5,16})';
const CHAT = '([0-9]{5,40}(?:@|%40)(?:s\\.whatsapp\\.net|g\\.us|lid))';

function chatChange(body: Record<string, unknown>): PhoneChatChange {
  const change: PhoneChatChange = {};
  for (const key of ['archived', 'pinned', 'muted', 'read', 'deleted'] as const) {
    const value = body[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw badInput(`${key} must be true or false`);
    change[key] = value;
  }
  return change;
}

/** The phone itself changes a chat (archive, pin, mute, read, delete): its devices sync it from app state. */
export function phoneChatRoutes(api: SimulatorApi): Route[] {
  return [
    {
      method: 'POST',
      pattern: new RegExp(`^/accounts/${PHONE}/chats/${CHAT}$`),
      handler: ([p, chat], b) =>
        api.changeChatOnPhone(p ?? '', decodeURIComponent(chat ?? ''), chatChange(b)),
    },
  ];
}
