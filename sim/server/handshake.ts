import { Curve, decodeBinaryNode, NOISE_WA_HEADER, proto } from 'baileys';
import { readUint } from '../wire/binary-node.ts';
import type { Connection } from './connection.ts';
import type { SimCore } from './sim-core.ts';

export interface HandshakeHandlers {
  /** A companion with no account yet: it wants to link. */
  onRegister(conn: Connection): Promise<void>;
  /** A linked companion logging in with its saved credentials. */
  onLogin(conn: Connection, phone: string, deviceId: number): Promise<void>;
  onNode(conn: Connection, node: Awaited<ReturnType<typeof decodeBinaryNode>>): Promise<void>;
}

const EDGE_ROUTING = Buffer.from('ED');

/** Consumes raw socket bytes: the intro header, then 3-byte length-prefixed frames. */
export async function onSocketData(
  core: SimCore,
  conn: Connection,
  data: Buffer,
  handlers: HandshakeHandlers,
): Promise<void> {
  conn.buffer = Buffer.concat([conn.buffer, data]);
  if (conn.stage === 'intro') {
    if (conn.buffer.subarray(0, 2).equals(EDGE_ROUTING)) {
      if (conn.buffer.length < 7) return;
      conn.buffer = conn.buffer.subarray(7 + conn.buffer.readUIntBE(4, 3));
    }
    if (conn.buffer.length < 4) return;
    if (!conn.buffer.subarray(0, 4).equals(Buffer.from(NOISE_WA_HEADER))) throw new Error('bad WA header');
    conn.buffer = conn.buffer.subarray(4);
    conn.stage = 'hello';
  }
  while (conn.buffer.length >= 3) {
    const len = conn.buffer.readUIntBE(0, 3);
    if (conn.buffer.length < len + 3) return;
    const frame = conn.buffer.subarray(3, 3 + len);
    conn.buffer = conn.buffer.subarray(3 + len);
    await onFrame(core, conn, frame, handlers);
  }
}

async function onFrame(core: SimCore, conn: Connection, frame: Buffer, handlers: HandshakeHandlers) {
  if (conn.stage === 'hello') return onClientHello(core, conn, frame);
  if (conn.stage === 'finish') return onClientFinish(conn, frame, handlers);
  if (conn.stage !== 'open' || conn.silent) return;
  const node = await decodeBinaryNode(conn.noise.open(frame));
  await handlers.onNode(conn, node);
}

function onClientHello(core: SimCore, conn: Connection, frame: Buffer): void {
  const { clientHello } = proto.HandshakeMessage.decode(frame);
  const clientEphemeral = clientHello?.ephemeral;
  if (!clientEphemeral) throw new Error('client hello without ephemeral key');
  const { noise } = conn;
  const { serverStatic, certChain } = core.identity;
  noise.authenticate(Buffer.from(NOISE_WA_HEADER));
  noise.authenticate(clientEphemeral);
  const ephemeral = Curve.generateKeyPair();
  conn.serverEphemeral = ephemeral;
  noise.authenticate(ephemeral.public);
  noise.mixIntoKey(Curve.sharedKey(ephemeral.private, clientEphemeral));
  const staticEnc = noise.encrypt(serverStatic.public);
  noise.mixIntoKey(Curve.sharedKey(serverStatic.private, clientEphemeral));
  const payloadEnc = noise.encrypt(certChain);
  const hello = proto.HandshakeMessage.encode({
    serverHello: { ephemeral: ephemeral.public, static: staticEnc, payload: payloadEnc },
  }).finish();
  conn.sendRaw(hello);
  conn.stage = 'finish';
}

async function onClientFinish(conn: Connection, frame: Buffer, handlers: HandshakeHandlers) {
  const { clientFinish } = proto.HandshakeMessage.decode(frame);
  const ephemeral = conn.serverEphemeral;
  if (!clientFinish?.static || !clientFinish.payload || !ephemeral) throw new Error('bad client finish');
  const { noise } = conn;
  conn.clientNoisePub = noise.decrypt(clientFinish.static);
  noise.mixIntoKey(Curve.sharedKey(ephemeral.private, conn.clientNoisePub));
  const payload = proto.ClientPayload.decode(noise.decrypt(clientFinish.payload));
  noise.split();
  conn.stage = 'open';
  conn.pushName = payload.pushName || undefined;
  const pairing = payload.devicePairingData;
  if (pairing) {
    conn.registration = {
      registrationId: readUint(pairing.eRegid ?? undefined),
      identityPub: Buffer.from(pairing.eIdent ?? []),
      signedPreKey: {
        keyId: readUint(pairing.eSkeyId ?? undefined),
        pub: Buffer.from(pairing.eSkeyVal ?? []),
        sig: Buffer.from(pairing.eSkeySig ?? []),
      },
    };
    return handlers.onRegister(conn);
  }
  return handlers.onLogin(conn, String(payload.username ?? ''), payload.device ?? 0);
}
