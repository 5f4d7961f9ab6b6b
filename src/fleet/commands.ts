import type { Instance } from '../domain/instance.ts';
import type { PresenceState } from '../engine/engine.ts';

/** What an API node may ask the owner of an instance to do, with the arguments each takes. */
export interface CommandArgs {
  start: Record<string, never>;
  stop: Record<string, never>;
  logout: Record<string, never>;
  remove: Record<string, never>;
  'pairing-code': { phone: string };
  'mark-read': { chatJid: string; waMessageIds: string[] };
  presence: { state: PresenceState; chatJid?: string };
  'check-numbers': { numbers: string[] };
  edit: { chatJid: string; waMessageId: string; text: string };
  revoke: { chatJid: string; waMessageId: string; fromMe: boolean };
  /** Any call of the connection's `account` (contacts, profile, privacy, chats), by name. */
  'account-call': { method: string; args: unknown[] };
  /** Any call of the connection's `groups`, by name. */
  'group-call': { method: string; args: unknown[] };
}
export type CommandKind = keyof CommandArgs;

/** A failed command's outcome, as the owner reports it: the coded error to answer with. */
export interface CommandFailure {
  code: string;
  statusCode: number;
  message: string;
}

export type InstanceRef = Pick<Instance, 'id' | 'name'>;
