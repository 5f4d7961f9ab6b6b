import { encodeBinaryNode } from 'baileys';
import type { WebSocket } from 'ws';
import type { Account, LinkedDevice } from '../network/model.ts';
import type { BinaryNode } from '../wire/binary-node.ts';
import { NoiseServer } from '../wire/noise-server.ts';

export type Stage = 'intro' | 'hello' | 'finish' | 'open' | 'closed';

/** What a registering (not yet linked) companion sent in its handshake. */
export interface Registration {
  registrationId: number;
  identityPub: Buffer;
  signedPreKey: { keyId: number; pub: Buffer; sig: Buffer };
}

let nextConnectionId = 1;

const frame = (payload: Uint8Array): Buffer => {
  const header = Buffer.alloc(3);
  header.writeUIntBE(payload.length, 0, 3);
  return Buffer.concat([header, payload]);
};

/** One client socket: the noise session, who logged in on it, and the stanzas going out. */
export class Connection {
  readonly id = nextConnectionId++;
  readonly noise = new NoiseServer();
  stage: Stage = 'intro';
  buffer: Buffer = Buffer.alloc(0);
  clientNoisePub: Buffer | undefined;
  serverEphemeral: { public: Uint8Array; private: Uint8Array } | undefined;
  pushName: string | undefined;
  registration: Registration | undefined;
  account: Account | undefined;
  device: LinkedDevice | undefined;
  /** A fault: the server stops answering (pings included) so the client must notice a dead link. */
  silent = false;
  /** The id of the pair-success iq whose answer ends linking with a 515 restart. */
  pairSuccessId: string | undefined;
  /** The app-state key share message the companion must acknowledge before the offline flush. */
  keyShareMessageId: string | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(readonly ws: WebSocket) {}

  get isOpen(): boolean {
    return this.stage === 'open' && this.ws.readyState === this.ws.OPEN;
  }

  /** The companion's own jid, `phone:device@s.whatsapp.net`, once logged in. */
  get jid(): string | undefined {
    return this.account && this.device ? `${this.account.phone}:${this.device.id}@s.whatsapp.net` : undefined;
  }

  sendRaw(bytes: Uint8Array): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(frame(bytes));
  }

  send(node: BinaryNode): void {
    if (this.silent || !this.isOpen) return;
    this.ws.send(frame(this.noise.seal(encodeBinaryNode(node))));
  }

  /** Runs work for this connection one piece at a time, in arrival order. */
  enqueue(work: () => Promise<void>, onError: (err: unknown) => void): void {
    this.chain = this.chain.then(work).catch(onError);
  }

  close(): void {
    this.stage = 'closed';
    this.ws.close();
  }

  terminate(): void {
    this.stage = 'closed';
    this.ws.terminate();
  }
}
