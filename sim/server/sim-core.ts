import { randomBytes } from 'node:crypto';
import type { MediaHost } from '../media/media-host.ts';
import { Directory } from '../network/directory.ts';
import type { Account } from '../network/model.ts';
import { ProfileBook } from '../network/profiles.ts';
import type { BinaryNode } from '../wire/binary-node.ts';
import type { ServerIdentity } from '../wire/cert-chain.ts';
import type { Connection } from './connection.ts';

export interface HistorySyncOptions {
  /** Chats in the history the phone sends at a device's first login (0: an empty notice). */
  chats: number;
  messagesPerChat: number;
}

export interface CoreOptions {
  historySync: HistorySyncOptions;
  /** Contacts answer every message with a delivery receipt on their own. */
  autoDeliveryReceipts: boolean;
  log: (event: string, data: Record<string, unknown>) => void;
}

export type OneShotFault = 'bad-pair-signature';

/** A pairing code a companion asked for, waiting for the phone to type it. */
export interface PendingCodeLink {
  conn: Connection;
  ref: Buffer;
  wrappedCompanionEphemeral: Buffer;
  /** Set once the phone typed a code: resolves when the companion finishes (true) or fails (false). */
  phoneSide?: {
    ephemeral: { public: Uint8Array; private: Uint8Array };
    code: string;
    done: (ok: boolean) => void;
  };
  result?: { phone: string; device: number; jid: string; lid: string };
}

export const newMessageId = (): string => `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;

/** The simulator's shared state: who exists, who is connected, and how to reach a device. */
export class SimCore {
  readonly directory = new Directory();
  /** About texts, pictures, business profiles, privacy, block lists, presence subscriptions. */
  readonly profiles = new ProfileBook();
  readonly connections = new Set<Connection>();
  readonly pendingQr = new Map<string, Connection>();
  readonly pendingCodes = new Map<string, PendingCodeLink>();
  readonly faults = new Map<string, Set<OneShotFault>>();
  /** Automatic delivery receipts not sent yet, by `contact/account/messageId`. */
  readonly pendingDeliveries = new Map<string, NodeJS.Timeout>();

  constructor(
    readonly identity: ServerIdentity,
    readonly media: MediaHost,
    readonly options: CoreOptions,
  ) {}

  log(event: string, data: Record<string, unknown> = {}): void {
    this.options.log(event, data);
  }

  openConnectionsOf(account: Account, deviceId: number): Connection[] {
    return [...this.connections].filter(
      (c) => c.account === account && c.device?.id === deviceId && c.isOpen,
    );
  }

  /** Sends a stanza to a device now, or keeps it in the device's offline queue. */
  deliverToDevice(account: Account, deviceId: number, stanza: BinaryNode): void {
    const targets = this.openConnectionsOf(account, deviceId);
    if (targets.length === 0) {
      account.devices.get(deviceId)?.queue.push(stanza);
      return;
    }
    for (const conn of targets) conn.send(stanza);
  }

  takeFault(phone: string, fault: OneShotFault): boolean {
    const set = this.faults.get(phone);
    return set?.delete(fault) ?? false;
  }
}
