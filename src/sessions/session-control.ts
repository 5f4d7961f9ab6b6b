import type { Instance } from '../domain/instance.ts';
import type { EngineConnection } from '../engine/engine.ts';

/** What the services may do on an instance's live socket. */
export type LiveConnection = Pick<
  EngineConnection,
  'markRead' | 'presence' | 'checkNumbers' | 'edit' | 'revoke' | 'account' | 'groups'
>;

/**
 * How the services reach an instance's session: the session manager of this process (`serve`,
 * `worker`), or, on an API node, commands to the worker that owns the instance.
 */
export interface SessionControl {
  start(instance: Instance): Promise<void>;
  stop(instance: Instance): Promise<void>;
  logout(instance: Instance): Promise<void>;
  requestPairingCode(instance: Instance, phone: string): Promise<{ pairingCode: string; expiresAt: Date }>;
  /** Unlinks (when linked) and drops the live session; the caller deletes the rows. */
  remove(instance: Instance): Promise<void>;
  /** The live socket of a connected instance, or undefined. */
  connectionOf(instance: Instance): LiveConnection | undefined;
  /** A rename or new settings were saved. */
  instanceUpdated(instance: Instance): void;
}
