import { badInput } from '../errors.ts';
import { type GroupChange, PARTICIPANT_ACTIONS, type ParticipantAction } from '../group-admin-api.ts';
import type { SimulatorApi } from '../simulator-api.ts';
import type { Route } from './admin-api.ts';
import { requiredString } from './http-json.ts';

const PHONE = '([0-9]{5,16})';
// a group jid in a path, with its `@g.us` (or `%40g.us`) or without
const GROUP = '([0-9]{6,40})(?:@g\\.us|%40g\\.us)?';

function phoneList(body: Record<string, unknown>): string[] {
  const list = body.participants;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((p) => typeof p === 'string' && /^\d{5,16}$/.test(p))
  )
    throw badInput('participants must be a non-empty array of phone numbers');
  return list as string[];
}

function groupChange(body: Record<string, unknown>): GroupChange {
  const change: GroupChange = {};
  const { subject, description, announce, locked, ephemeral, joinApproval } = body;
  if (subject !== undefined) change.subject = String(subject);
  if (description !== undefined) change.description = description === null ? null : String(description);
  for (const [key, value] of Object.entries({ announce, locked, joinApproval })) {
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw badInput(`${key} must be true or false`);
    change[key as 'announce' | 'locked' | 'joinApproval'] = value;
  }
  if (ephemeral !== undefined) {
    if (typeof ephemeral !== 'number' || !Number.isInteger(ephemeral) || ephemeral < 0)
      throw badInput('ephemeral must be a number of seconds (0: off)');
    change.ephemeral = ephemeral;
  }
  return change;
}

/** Groups seen and changed from the server's side, and calls placed by contacts. */
export function groupAdminRoutes(api: SimulatorApi): Route[] {
  const groups = api.groups;
  return [
    { method: 'GET', pattern: new RegExp(`^/groups/${GROUP}$`), handler: ([g]) => groups.state(g ?? '') },
    {
      method: 'GET',
      pattern: new RegExp(`^/(?:accounts|contacts)/${PHONE}/groups$`),
      handler: ([p]) => groups.groupsOf(p ?? ''),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/accounts/${PHONE}/groups/join$`),
      handler: ([p], b) => groups.join(p ?? '', requiredString(b, 'code')),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/groups/${GROUP}/leave$`),
      handler: ([g], b) => groups.leave(g ?? '', requiredString(b, 'phone')),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/groups/${GROUP}/participants$`),
      handler: ([g], b) => {
        const action = requiredString(b, 'action');
        if (!PARTICIPANT_ACTIONS.includes(action as ParticipantAction))
          throw badInput(`action must be one of ${PARTICIPANT_ACTIONS.join(', ')}`);
        return groups.participants(
          g ?? '',
          requiredString(b, 'as'),
          action as ParticipantAction,
          phoneList(b),
        );
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/groups/${GROUP}/requests$`),
      handler: ([g]) => groups.requests(g ?? ''),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/groups/${GROUP}/requests$`),
      handler: ([g], b) => {
        const action = requiredString(b, 'action');
        if (action !== 'approve' && action !== 'reject') throw badInput('action must be approve or reject');
        return groups.decideRequests(g ?? '', requiredString(b, 'as'), action, phoneList(b));
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/groups/${GROUP}/settings$`),
      handler: ([g], b) => groups.update(g ?? '', requiredString(b, 'as'), groupChange(b)),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/contacts/${PHONE}/calls$`),
      status: 201,
      handler: ([p], b) => groups.call(p ?? '', requiredString(b, 'to'), b.video === true),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/contacts/${PHONE}/calls$`),
      handler: ([p]) => groups.calls(p ?? ''),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/contacts/${PHONE}/group-notices$`),
      handler: ([p]) => groups.contactNotices(p ?? ''),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/contacts/${PHONE}/groups/join$`),
      handler: ([p], b) => groups.join(p ?? '', requiredString(b, 'code')),
    },
  ];
}
