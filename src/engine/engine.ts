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

export interface EngineEventMap {
  qr: { qr: string };
  open: LinkedIdentity;
  close: CloseInfo;
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
}

export interface WhatsAppEngine {
  /** Opens a socket for an instance, from its stored credentials (or fresh ones, to link). */
  connect(instanceId: string): Promise<EngineConnection>;
  /** Removes an instance's stored credentials and keys. */
  forget(instanceId: string): Promise<void>;
}
