import { encodeWAMessage, proto, unpadRandomMax16 } from 'baileys';
import type { SignalStorage } from 'libsignal';
import libsignal from 'libsignal';
import type { DeviceKeys } from './model.ts';

const { keyhelper, ProtocolAddress, SessionBuilder, SessionCipher, SessionRecord } = libsignal as unknown as {
  keyhelper: {
    generateIdentityKeyPair(): { pubKey: Buffer; privKey: Buffer };
    generateRegistrationId(): number;
    generateSignedPreKey(
      identity: { pubKey: Buffer; privKey: Buffer },
      keyId: number,
    ): { keyId: number; keyPair: { pubKey: Buffer; privKey: Buffer }; signature: Buffer };
    generatePreKey(keyId: number): { keyId: number; keyPair: { pubKey: Buffer; privKey: Buffer } };
  };
  ProtocolAddress: typeof import('libsignal').ProtocolAddress;
  SessionBuilder: typeof import('libsignal').SessionBuilder;
  SessionCipher: typeof import('libsignal').SessionCipher & {
    prototype: { hasOpenSession(): Promise<boolean> };
  };
  SessionRecord: typeof import('libsignal').SessionRecord;
};

type KeyPair = { pubKey: Buffer; privKey: Buffer };

const withType = (key: Uint8Array): Buffer =>
  key.length === 33 ? Buffer.from(key) : Buffer.concat([Buffer.from([5]), key]);

export interface PreKeyBundle {
  registrationId: number;
  identity: Buffer; // 32 bytes, no type prefix
  signedPreKey: { keyId: number; pub: Buffer; sig: Buffer };
  preKey: { keyId: number; pub: Buffer };
}

/** All a party knows, to be kept across simulator restarts (`network/snapshot.ts`). */
export interface SignalPartyState {
  identity: KeyPair;
  registrationId: number;
  signedPreKey: { keyId: number; keyPair: KeyPair; signature: Buffer };
  preKeys: Array<[number, KeyPair]>;
  /** libsignal's own serialized session records, by address. */
  sessions: Array<[string, unknown]>;
  nextPreKeyId: number;
}

export interface EncryptedPayload {
  type: 'pkmsg' | 'msg';
  body: Buffer;
}

/**
 * A Signal identity the simulator itself runs: a contact, or the primary phone of an account. It
 * encrypts to and decrypts from companion devices with real libsignal sessions.
 */
export class SignalParty {
  readonly identity: KeyPair;
  readonly registrationId: number;
  private readonly signedPreKey: SignalPartyState['signedPreKey'];
  private readonly preKeys: Map<number, KeyPair>;
  private readonly sessions: Map<string, Uint8Array>;
  private nextPreKeyId: number;
  /** libsignal ratchets must advance in the order messages go out: one operation at a time. */
  private turn: Promise<unknown> = Promise.resolve();

  /** A new identity, or the one `state` kept. */
  constructor(state?: SignalPartyState) {
    this.identity = state?.identity ?? keyhelper.generateIdentityKeyPair();
    this.registrationId = state?.registrationId ?? keyhelper.generateRegistrationId();
    this.signedPreKey = state?.signedPreKey ?? keyhelper.generateSignedPreKey(this.identity, 1);
    this.preKeys = new Map(state?.preKeys);
    this.sessions = new Map(state?.sessions as Array<[string, Uint8Array]> | undefined);
    this.nextPreKeyId = state?.nextPreKeyId ?? 1;
  }

  /** What `new SignalParty(state)` needs to be this party again. */
  exportState(): SignalPartyState {
    return {
      identity: this.identity,
      registrationId: this.registrationId,
      signedPreKey: this.signedPreKey,
      preKeys: [...this.preKeys],
      sessions: [...this.sessions],
      nextPreKeyId: this.nextPreKeyId,
    };
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.turn.then(work, work);
    this.turn = run.catch(() => undefined);
    return run;
  }

  private readonly store: SignalStorage = {
    getOurIdentity: () => this.identity,
    getOurRegistrationId: () => this.registrationId,
    isTrustedIdentity: () => true,
    loadSession: async (id) => {
      const raw = this.sessions.get(id);
      return raw ? SessionRecord.deserialize(raw) : undefined;
    },
    storeSession: async (id, record) => {
      this.sessions.set(id, record.serialize());
    },
    loadPreKey: async (id) => this.preKeys.get(Number(id)),
    removePreKey: (id) => {
      this.preKeys.delete(Number(id));
    },
    loadSignedPreKey: () => this.signedPreKey.keyPair,
  };

  /** A bundle with a fresh one-time pre-key, as the server hands out one per fetch. */
  nextBundle(): PreKeyBundle {
    const pk = keyhelper.generatePreKey(this.nextPreKeyId++);
    this.preKeys.set(pk.keyId, pk.keyPair);
    return {
      registrationId: this.registrationId,
      identity: this.identity.pubKey.subarray(1),
      signedPreKey: {
        keyId: this.signedPreKey.keyId,
        pub: this.signedPreKey.keyPair.pubKey.subarray(1),
        sig: this.signedPreKey.signature,
      },
      preKey: { keyId: pk.keyId, pub: pk.keyPair.pubKey.subarray(1) },
    };
  }

  /** Decrypts what a companion device (`user`:`device`) encrypted to this party. */
  decrypt(user: string, device: number, enc: EncryptedPayload): Promise<proto.Message> {
    return this.exclusive(() => this.decryptNow(user, device, enc));
  }

  private async decryptNow(user: string, device: number, enc: EncryptedPayload): Promise<proto.Message> {
    const cipher = new SessionCipher(this.store, new ProtocolAddress(user, device));
    const plain =
      enc.type === 'pkmsg'
        ? await cipher.decryptPreKeyWhisperMessage(enc.body)
        : await cipher.decryptWhisperMessage(enc.body);
    return proto.Message.decode(unpadRandomMax16(plain));
  }

  /**
   * Encrypts a message for a companion device, opening a session from its uploaded keys when none is
   * open yet. `takePreKey` hands over (and consumes) one of the device's one-time pre-keys.
   */
  encrypt(
    user: string,
    device: number,
    keys: DeviceKeys,
    message: proto.IMessage,
  ): Promise<EncryptedPayload> {
    return this.exclusive(() => this.encryptNow(user, device, keys, message));
  }

  private async encryptNow(
    user: string,
    device: number,
    keys: DeviceKeys,
    message: proto.IMessage,
  ): Promise<EncryptedPayload> {
    const address = new ProtocolAddress(user, device);
    const cipher = new SessionCipher(this.store, address);
    if (!(await (cipher as unknown as { hasOpenSession(): Promise<boolean> }).hasOpenSession())) {
      const preKey = keys.takePreKey();
      const session = {
        registrationId: keys.registrationId,
        identityKey: withType(keys.identityPub),
        signedPreKey: {
          keyId: keys.signedPreKey.keyId,
          publicKey: withType(keys.signedPreKey.pub),
          signature: keys.signedPreKey.sig,
        },
        // libsignal opens a session without a one-time pre-key when the device has none left
        ...(preKey ? { preKey: { keyId: preKey.keyId, publicKey: withType(preKey.pub) } } : {}),
      };
      await new SessionBuilder(this.store, address).initOutgoing(
        session as Parameters<InstanceType<typeof SessionBuilder>['initOutgoing']>[0],
      );
    }
    const { type, body } = await cipher.encrypt(encodeWAMessage(message));
    return { type: type === 3 ? 'pkmsg' : 'msg', body: Buffer.from(body, 'binary') };
  }

  /** Forgets sessions with a device, so the next message starts a new one (a re-linked device). */
  forgetDevice(user: string, device: number): void {
    this.sessions.delete(new ProtocolAddress(user, device).toString());
  }
}

export { withType };
