import { createHash, hkdfSync } from 'node:crypto';
import { aesDecryptGCM, aesEncryptGCM, NOISE_MODE } from 'baileys';

const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

const ivFor = (counter: number): Buffer => {
  const iv = Buffer.alloc(12);
  iv.writeUInt32BE(counter, 8);
  return iv;
};

const expand = (ikm: Uint8Array, salt: Uint8Array): Buffer =>
  Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.alloc(0), 64));

interface TransportKey {
  key: Buffer;
  counter: number;
}

/**
 * The responder's side of Noise_XX_25519_AESGCM_SHA256 as WhatsApp runs it: a handshake that mixes
 * each Diffie-Hellman result into the chaining key, then two transport keys, one per direction.
 */
export class NoiseServer {
  private hash: Buffer;
  private salt: Buffer;
  private key: Buffer;
  private counter = 0;
  private tx: TransportKey | undefined;
  private rx: TransportKey | undefined;

  constructor() {
    const mode = Buffer.from(NOISE_MODE);
    this.hash = mode.length === 32 ? mode : sha256(mode);
    this.salt = this.hash;
    this.key = this.hash;
  }

  authenticate(data: Uint8Array): void {
    this.hash = sha256(Buffer.concat([this.hash, data]));
  }

  mixIntoKey(dh: Uint8Array): void {
    const k = expand(dh, this.salt);
    this.salt = k.subarray(0, 32);
    this.key = k.subarray(32);
    this.counter = 0;
  }

  encrypt(plaintext: Uint8Array): Buffer {
    const ct = aesEncryptGCM(plaintext, this.key, ivFor(this.counter++), this.hash);
    this.authenticate(ct);
    return ct;
  }

  decrypt(ciphertext: Uint8Array): Buffer {
    const pt = aesDecryptGCM(ciphertext, this.key, ivFor(this.counter++), this.hash);
    this.authenticate(ciphertext);
    return pt;
  }

  /** Ends the handshake: the client writes with the first half, reads with the second. */
  split(): void {
    const k = expand(Buffer.alloc(0), this.salt);
    this.rx = { key: k.subarray(0, 32), counter: 0 };
    this.tx = { key: k.subarray(32), counter: 0 };
  }

  seal(plaintext: Uint8Array): Buffer {
    if (!this.tx) throw new Error('noise transport not ready');
    return aesEncryptGCM(plaintext, this.tx.key, ivFor(this.tx.counter++), Buffer.alloc(0));
  }

  open(ciphertext: Uint8Array): Buffer {
    if (!this.rx) throw new Error('noise transport not ready');
    return aesDecryptGCM(ciphertext, this.rx.key, ivFor(this.rx.counter++), Buffer.alloc(0));
  }
}
