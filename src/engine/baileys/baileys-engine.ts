import { createHash } from 'node:crypto';
import { Agent as HttpsAgent } from 'node:https';
import { Browsers, WA_CERT_DETAILS } from 'baileys';
import type { Logger } from 'pino';
import type { CredentialCipher } from '../../auth/credential-cipher.ts';
import type { AuthStateRepository } from '../../store/repositories.ts';
import type { EngineConnection, WhatsAppEngine } from '../engine.ts';
import { BaileysConnection } from './baileys-connection.ts';
import { mediaDownloader } from './media-download.ts';
import { loadSqlAuthState, type SqlAuthState } from './sql-auth-state.ts';
import { enforceStrictSignatures } from './strict-signatures.ts';

export interface WaServerConfig {
  /** A WhatsApp-compatible server to use instead of WhatsApp (the simulator). */
  url: string;
  /** Its root public key (base64), trusted in place of WhatsApp's. */
  rootPublicKey: string;
  /** PEM certificate of its TLS endpoints (socket and media host), if they use their own. */
  tlsCert?: string;
}

export interface BaileysEngineOptions {
  authState: AuthStateRepository;
  /** Seals credentials and keys under MASTER_KEY (or stores them as they are, without one). */
  cipher: CredentialCipher;
  server?: WaServerConfig;
  logger: Logger;
  /** Level of Baileys' own log lines (they go through `logger`). */
  baileysLogLevel: string;
  browserName: string;
  keepAliveIntervalMs: number;
  /** Inbound media larger than this is not downloaded. */
  inboundMediaMaxBytes: number;
}

/** A server other than WhatsApp, named by a fingerprint of the root key it is trusted by. */
export const serverIdOf = (rootPublicKey: string): string =>
  `root:${createHash('sha256').update(Buffer.from(rootPublicKey, 'base64')).digest('hex').slice(0, 16)}`;

/** The production engine: Baileys sockets with credentials and Signal keys in SQL. */
export class BaileysEngine implements WhatsAppEngine {
  private readonly cipher: CredentialCipher;
  private readonly agent: HttpsAgent | undefined;
  /** Each instance's latest connection and its auth state, ended before its rows are forgotten. */
  private readonly latest = new Map<string, { connection: BaileysConnection; authState: SqlAuthState }>();
  readonly serverId: string;

  constructor(private readonly options: BaileysEngineOptions) {
    enforceStrictSignatures();
    this.cipher = options.cipher;
    const server = options.server;
    this.serverId = server ? serverIdOf(server.rootPublicKey) : 'whatsapp';
    if (server) {
      // Trusting another root is explicit configuration, never a default.
      WA_CERT_DETAILS.PUBLIC_KEY = Buffer.from(server.rootPublicKey, 'base64');
      if (server.tlsCert) this.agent = new HttpsAgent({ ca: server.tlsCert, keepAlive: true });
    }
  }

  async connect(instanceId: string): Promise<EngineConnection> {
    // The server asks for a restart the moment the phone has linked, while the credentials linking
    // gave may still be on their way to the database: this connection must read them back.
    const previous = this.latest.get(instanceId);
    if (previous) {
      await previous.connection.credsSaved();
      await previous.authState.settled();
    }
    const authState = await loadSqlAuthState(this.options.authState, instanceId, this.cipher);
    const { state, saveCreds } = authState;
    const logger = this.options.logger.child(
      { instanceId, component: 'baileys' },
      { level: this.options.baileysLogLevel },
    );
    const server = this.options.server;
    let connection: BaileysConnection | undefined;
    const media = mediaDownloader({
      maxBytes: this.options.inboundMediaMaxBytes,
      logger,
      sock: () => (connection as BaileysConnection).socket,
      ...(server?.tlsCert ? { tlsCert: server.tlsCert } : {}),
    });
    connection = new BaileysConnection(
      {
        auth: state,
        logger,
        browser: Browsers.ubuntu(this.options.browserName),
        markOnlineOnConnect: false,
        syncFullHistory: false,
        keepAliveIntervalMs: this.options.keepAliveIntervalMs,
        ...(server ? { waWebSocketUrl: server.url } : {}),
        ...(this.agent
          ? { fetchAgent: this.agent, ...(server?.url.startsWith('wss') ? { agent: this.agent } : {}) }
          : {}),
      },
      saveCreds,
      (err) => this.options.logger.error({ instanceId, err }, 'saving credentials failed'),
      media,
    );
    this.latest.set(instanceId, { connection, authState });
    return connection;
  }

  async forget(instanceId: string): Promise<void> {
    await this.latest.get(instanceId)?.authState.end();
    this.latest.delete(instanceId);
    await this.options.authState.clear(instanceId);
  }
}
