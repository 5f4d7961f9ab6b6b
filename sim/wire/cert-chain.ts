import { Curve, proto } from 'baileys';

export interface KeyPair {
  public: Uint8Array;
  private: Uint8Array;
}

export interface ServerIdentity {
  root: KeyPair;
  /** The noise static key of the server, certified by the leaf. */
  serverStatic: KeyPair;
  /** Encoded `CertChain` sent in the server hello. */
  certChain: Uint8Array;
}

const { Details } = proto.CertChain.NoiseCertificate;

/** Root → intermediate → leaf, as WhatsApp's servers present it; the intermediate's issuer serial is 0. */
export function createServerIdentity(root: KeyPair = Curve.generateKeyPair()): ServerIdentity {
  const serverStatic = Curve.generateKeyPair();
  const intermediate = Curve.generateKeyPair();
  const t0 = Math.floor(Date.now() / 1000);
  const interDetails = Details.encode({
    serial: 1,
    issuerSerial: 0,
    key: intermediate.public,
    notBefore: t0 - 3600,
    notAfter: t0 + 86400 * 365,
  }).finish();
  const leafDetails = Details.encode({
    serial: 2,
    issuerSerial: 1,
    key: serverStatic.public,
    notBefore: t0 - 3600,
    notAfter: t0 + 86400 * 30,
  }).finish();
  const certChain = proto.CertChain.encode({
    intermediate: { details: interDetails, signature: Curve.sign(root.private, interDetails) },
    leaf: { details: leafDetails, signature: Curve.sign(intermediate.private, leafDetails) },
  }).finish();
  return { root, serverStatic, certChain };
}

/** A root key pair from its base64 private key (32 bytes), so a simulator can keep its identity. */
export function rootFromPrivateKey(privateKeyB64: string): KeyPair {
  const priv = Buffer.from(privateKeyB64, 'base64');
  if (priv.length !== 32) throw new Error('SIM_ROOT_PRIVATE_KEY must be 32 bytes of base64');
  // A Curve25519 public key is derived by agreeing with the base point; libsignal exposes it this way.
  const pub = Curve.sharedKey(priv, Buffer.from([9, ...Buffer.alloc(31)]));
  return { private: priv, public: Buffer.from(pub) };
}
