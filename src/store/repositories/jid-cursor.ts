import { Errors } from '../../errors.ts';

/** A jid as the gateway stores one: a user, group or lid id (a device after a colon) @ a server. */
const JID = /^[\w.:-]+@[a-z.]+$/;

/** A page position after the jid: opaque to the caller. */
export const encodeJidCursor = (jid: string): string => Buffer.from(jid, 'utf8').toString('base64url');

/**
 * The jid a cursor stands for, or a validation error: any text decodes as base64url to some bytes
 * (a NUL among them, which PostgreSQL refuses in a query with a 500), so only a jid is taken.
 */
export function decodeJidCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  return cursorJid(text);
}

/** `jid` when it is one, else the validation error a foreign cursor gets. */
export function cursorJid(jid: string): string {
  if (!JID.test(jid)) throw Errors.validation('cursor is not one this API returned');
  return jid;
}
