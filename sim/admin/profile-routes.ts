import { badInput } from '../errors.ts';
import type { BusinessProfile } from '../network/profiles.ts';
import type { ProfileChange } from '../profiles-api.ts';
import { PRESENCE_STATES, type PresenceState } from '../server/presence.ts';
import type { SimulatorApi } from '../simulator-api.ts';
import type { Route } from './admin-api.ts';
import { optionalString, requiredString } from './http-json.ts';

const PHONE = '([0-9]{5,16})';
const BUSINESS_FIELDS = ['description', 'category', 'email', 'website', 'address'] as const;

function businessOf(value: unknown): Partial<BusinessProfile> | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'object' || Array.isArray(value)) throw badInput('business must be an object or null');
  const fields = value as Record<string, unknown>;
  const business: Partial<BusinessProfile> = {};
  for (const field of BUSINESS_FIELDS) {
    const text = optionalString(fields, field);
    if (text !== undefined) business[field] = text;
  }
  return business;
}

function profileChange(body: Record<string, unknown>): ProfileChange {
  const about = optionalString(body, 'about');
  if (body.picture !== undefined && body.picture !== null && typeof body.picture !== 'string')
    throw badInput('picture must be base64 image bytes, or null to remove it');
  const business = businessOf(body.business);
  return {
    ...(about !== undefined ? { about } : {}),
    ...(body.picture !== undefined ? { picture: body.picture as string | null } : {}),
    ...(business !== undefined ? { business } : {}),
  };
}

/** Admin routes for profiles (contacts' about, picture, business), accounts' block lists and privacy. */
export function profileRoutes(api: SimulatorApi): Route[] {
  const { profiles } = api;
  return [
    {
      method: 'GET',
      pattern: new RegExp(`^/(?:contacts|accounts)/${PHONE}/profile$`),
      handler: ([p]) => profiles.view(p ?? ''),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/(?:contacts|accounts)/${PHONE}/profile$`),
      handler: ([p], b) => profiles.change(p ?? '', profileChange(b)),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/accounts/${PHONE}/blocklist$`),
      handler: ([p]) => ({ blocked: profiles.blocklist(p ?? '') }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/accounts/${PHONE}/app-state$`),
      handler: ([p]) => ({ actions: profiles.appState(p ?? '') }),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/accounts/${PHONE}/privacy$`),
      handler: ([p]) => profiles.privacy(p ?? ''),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/contacts/${PHONE}/presence$`),
      handler: ([p], b) => {
        const state = requiredString(b, 'state');
        if (!PRESENCE_STATES.includes(state as PresenceState))
          throw badInput(`state must be one of ${PRESENCE_STATES.join(', ')}`);
        return profiles.presence(p ?? '', state as PresenceState, optionalString(b, 'to'));
      },
    },
  ];
}
