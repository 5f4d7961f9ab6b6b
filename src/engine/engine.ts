import type { MessageContent, MessageType } from '../domain/message.ts';
import type { AccountOps, AccountSync } from './account-ops.ts';
import type { GroupOps } from './group-ops.ts';

/**
 * The gateway's only view of WhatsApp. Nothing outside `engine/baileys/` imports Baileys: sessions,
 * HTTP and workers talk to a `WhatsAppEngine` and listen to the typed events of its connections.
 */

/** Who a connection is logged in as. */
export interface LinkedIdentity {
  phone: string;
  jid: string;
  lid: string | null;
  pushName: string | null;
}

/** Why a connection ended, sorted into what the session manager must do about it. */
export type CloseKind =
  | 'logged_out' // the phone unlinked this device, or linking was refused: credentials are void
  | 'restart_required' // linking finished: reconnect at once with the new credentials
  | 'replaced' // another connection with the same credentials took over
  | 'qr_expired' // every QR of this round went unscanned
  | 'connection_lost' // network or keep-alive failure
  | 'refused' // the server or the phone failed a signature check: do not retry
  | 'closed'; // we closed it (stop, shutdown) or the server ended the stream

export interface CloseInfo {
  kind: CloseKind;
  code: number;
  message: string;
}

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'played' | 'failed';

/** A receipt or server ack for a message this connection sent. */
export interface StatusEvent {
  waMessageId: string;
  chatJid: string;
  status: DeliveryStatus;
  /** For `failed`: the server's error code. */
  error?: string;
}

interface InboundBase {
  waMessageId: string;
  /** The chat, by phone number when it is known (a group jid for groups). */
  chatJid: string;
  /** Sent by this account (from the phone or another linked device). */
  fromMe: boolean;
  sender: { jid: string; phone: string | null; lid: string | null; pushName: string | null };
  timestamp: Date;
}

/** Media of an inbound message, downloaded and decrypted (or why it could not be). */
export type InboundMedia = { bytes: Buffer } | { error: string };

/** Something that arrived on the connection: a message, or a change to an earlier one. */
export type InboundEvent =
  | (InboundBase & { kind: 'message'; type: MessageType; content: MessageContent; media?: InboundMedia })
  | (InboundBase & { kind: 'edited'; targetId: string; content: MessageContent })
  | (InboundBase & { kind: 'revoked'; targetId: string });

/** What else WhatsApp tells a connection: presences, group changes, calls. */
export type Notice =
  | { kind: 'presence'; chatJid: string; participant: string; presence: string; lastSeen: number | null }
  | {
      kind: 'group';
      groupJid: string;
      action: string;
      participants: string[];
      author: string | null;
      subject: string | null;
      /** What the change set, by name (`announce`, `description`, `ephemeral`…), when known. */
      changes?: Record<string, string | number | boolean | null>;
    }
  | { kind: 'call'; callId: string; from: string; isVideo: boolean; isGroup: boolean; status: string };

export interface EngineEventMap {
  qr: { qr: string };
  open: LinkedIdentity;
  close: CloseInfo;
  status: StatusEvent;
  inbound: InboundEvent;
  notice: Notice;
  /** Chats and contacts: the history at link, then changes. */
  account: AccountSync;
}

/** What to send, in the gateway's terms; the engine turns it into its library's message. */
export interface OutgoingMessage {
  /** Chat jid: `<phone>@s.whatsapp.net` or a group. */
  chatJid: string;
  /** Chosen when the row was created, so a re-send after a crash repeats the same id. */
  waMessageId: string;
  type: MessageType;
  content: MessageContent;
  /** Media bytes for media types. */
  media?: Buffer;
  /** The message replied to, when it is known (its id, who sent it, its text if any). */
  quoted?: { waMessageId: string; fromMe: boolean; participant?: string; text?: string };
  /** text: the card for its link, ready (the engine fetches nothing for it). */
  linkPreview?: OutgoingLinkPreview;
}

export interface OutgoingLinkPreview {
  /** The link as it appears in the text. */
  url: string;
  title: string;
  description?: string;
  /** Image bytes the engine shrinks into the card's thumbnail. */
  thumbnail?: Buffer;
}

export type PresenceState = 'composing' | 'recording' | 'paused' | 'available' | 'unavailable';

/** Why a send failed, and whether trying again can help. */
export class SendError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

export type EngineListener<K extends keyof EngineEventMap> = (data: EngineEventMap[K]) => void;

/** One live socket. It does not reconnect by itself: the session manager decides. */
export interface EngineConnection {
  on<K extends keyof EngineEventMap>(event: K, listener: EngineListener<K>): void;
  /** Asks WhatsApp for an 8-character code to type on the phone (the socket must be registering). */
  requestPairingCode(phone: string): Promise<string>;
  /** Unlinks this device from the phone, then closes. */
  logout(): Promise<void>;
  /** Closes the socket without unlinking (stop, shutdown). */
  close(): Promise<void>;
  /** When the socket last received anything (ms since epoch), for the watchdog. */
  lastActivityAt(): number;
  /** Sends; resolves once WhatsApp has the message. Throws SendError. */
  send(message: OutgoingMessage): Promise<void>;
  edit(chatJid: string, waMessageId: string, text: string): Promise<void>;
  revoke(chatJid: string, waMessageId: string, fromMe: boolean): Promise<void>;
  markRead(chatJid: string, waMessageIds: string[]): Promise<void>;
  presence(state: PresenceState, chatJid?: string): Promise<void>;
  /** Which numbers are on WhatsApp, with their jids. */
  checkNumbers(numbers: string[]): Promise<Array<{ number: string; exists: boolean; jid: string | null }>>;
  /** Contacts, own profile, privacy, block list, presence subscriptions and chat changes. */
  readonly account: AccountOps;
  /** Groups: create, read, change, members, invite links, pictures. */
  readonly groups: GroupOps;
  /** Declines an incoming call (`from`: the caller's jid, as the call event gave it). */
  rejectCall(callId: string, from: string): Promise<void>;
}

export interface WhatsAppEngine {
  /**
   * Which server this engine connects to: `whatsapp`, or another server named by its root key.
   * Credentials belong to the server that issued them.
   */
  readonly serverId: string;
  /** Opens a socket for an instance, from its stored credentials (or fresh ones, to link). */
  connect(instanceId: string): Promise<EngineConnection>;
  /** Removes an instance's stored credentials and keys. */
  forget(instanceId: string): Promise<void>;
}
