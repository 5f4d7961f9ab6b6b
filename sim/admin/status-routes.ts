import { STATUS_JID } from '../server/status-broadcast.ts';
import type { SimulatorApi } from '../simulator-api.ts';
import type { Route } from './admin-api.ts';

const PHONE = '([0-9]{5,16})';

/** Status updates as their audience sees them. */
export function statusRoutes(api: SimulatorApi): Route[] {
  return [
    {
      method: 'GET',
      pattern: new RegExp(`^/contacts/${PHONE}/statuses$`),
      // a status is a message in the contact's inbox whose chat is status@broadcast
      handler: ([p]) => api.contactInbox(p ?? '').filter((m) => m.chat === STATUS_JID),
    },
  ];
}
