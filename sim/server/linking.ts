import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import {
  aesDecryptCTR,
  aesDecryptGCM,
  aesEncryptCTR,
  Curve,
  derivePairingCodeKey,
  hmacSign,
  proto,
} from 'baileys';
import { badInput, conflict, notFound } from '../errors.ts';
import type { Account } from '../network/model.ts';
import { makeDeviceKeys } from '../network/model.ts';
import { type BinaryNode, childBytes, S_WA, unixNow } from '../wire/binary-node.ts';
import type { Connection } from './connection.ts';
import { announceDeviceChange } from './device-notices.ts';
import type { PendingCodeLink, SimCore } from './sim-core.ts';

const QR_REFS = 6;
const ADV_ACCOUNT_SIG_PREFIX = Buffer.from([6, 0]);
const PAIRING_CODE_WAIT_MS = 15_000;
const CODE_REQUEST_WAIT_MS = 3_000;

export interface LinkResult {
  phone: string;
  device: number;
  jid: string;
  lid: string;
}

/** A registering companion gets the refs it turns into QR codes, one after another, as WhatsApp does. */
export function startRegistration(core: SimCore, conn: Connection): void {
  const refs = Array.from({ length: QR_REFS }, () => randomBytes(16).toString('base64'));
  for (const ref of refs) core.pendingQr.set(ref, conn);
  conn.send({
    tag: 'iq',
    attrs: { from: S_WA, type: 'set', id: `pair-${randomBytes(4).toString('hex')}` },
    content: [
      {
        tag: 'pair-device',
        attrs: {},
        content: refs.map((r) => ({ tag: 'ref', attrs: {}, content: Buffer.from(r) })),
      },
    ],
  });
}

export function forgetRegistration(core: SimCore, conn: Connection): void {
  for (const [ref, c] of core.pendingQr) if (c === conn) core.pendingQr.delete(ref);
  for (const [phone, pending] of core.pendingCodes)
    if (pending.conn === conn) core.pendingCodes.delete(phone);
}

/** Parses `https://wa.me/settings/linked_devices#ref,noise,identity,adv,platform`. */
function parseQr(qr: string) {
  const [ref, noise, identity, adv] = (qr.split('#').pop() ?? '').split(',');
  if (!ref || !noise || !identity || !adv) throw badInput('qr is not a WhatsApp linking QR string');
  return { ref, noise: Buffer.from(noise, 'base64'), identity: Buffer.from(identity, 'base64'), adv };
}

/** A phone number derived from a push name, so the same client name always lands on the same phone. */
export function phoneForPushName(pushName: string | undefined): string {
  if (!pushName) return '';
  const n = BigInt(`0x${createHash('sha256').update(pushName).digest().subarray(0, 8).toString('hex')}`);
  return `1${String(n % 10n ** 10n).padStart(10, '0')}`;
}

/** The phone scans a QR code a companion shows. */
export function scanQr(core: SimCore, account: Account, qr: string): LinkResult {
  const parsed = parseQr(qr);
  const conn = core.pendingQr.get(parsed.ref);
  if (!conn?.isOpen || !conn.registration || !conn.clientNoisePub) {
    throw notFound('no companion is showing this QR code (expired, already used, or disconnected)');
  }
  if (!parsed.identity.equals(conn.registration.identityPub) || !parsed.noise.equals(conn.clientNoisePub)) {
    throw badInput('the keys in this QR code do not match the companion that showed it');
  }
  return sendPairSuccess(core, conn, account, Buffer.from(parsed.adv, 'base64'));
}

/** The companion asked for a pairing code for `phone` (`companion_hello`); the phone has yet to type it. */
export function onCompanionHello(core: SimCore, conn: Connection, iq: BinaryNode, reg: BinaryNode): void {
  const phone = (reg.attrs.jid ?? '').split('@')[0] ?? '';
  const wrapped = childBytes(reg, 'link_code_pairing_wrapped_companion_ephemeral_pub');
  const authKey = childBytes(reg, 'companion_server_auth_key_pub');
  if (!wrapped || wrapped.length < 80 || !authKey || !conn.clientNoisePub?.equals(authKey)) {
    conn.send(iqError(iq, '400', 'bad-request'));
    return;
  }
  const ref = Buffer.from(randomBytes(16).toString('base64'));
  core.pendingCodes.set(phone, { conn, ref, wrappedCompanionEphemeral: wrapped });
  core.log('pairing-code-requested', { phone });
  conn.send({
    tag: 'iq',
    attrs: { from: S_WA, type: 'result', id: iq.attrs.id ?? '' },
    content: [
      {
        tag: 'link_code_companion_reg',
        attrs: {},
        content: [{ tag: 'link_code_pairing_ref', attrs: {}, content: ref }],
      },
    ],
  });
}

const unwrapKey = async (code: string, wrapped: Buffer): Promise<Buffer> => {
  const key = await derivePairingCodeKey(code, wrapped.subarray(0, 32));
  return aesDecryptCTR(wrapped.subarray(48, 80), key, wrapped.subarray(32, 48));
};

const wrapKey = async (code: string, pub: Uint8Array): Promise<Buffer> => {
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const key = await derivePairingCodeKey(code, salt);
  return Buffer.concat([salt, iv, aesEncryptCTR(pub, key, iv)]);
};

/** A code shown to a user is typed a moment later: its `companion_hello` may still be in flight. */
async function waitForCodeRequest(core: SimCore, phone: string): Promise<PendingCodeLink | undefined> {
  const deadline = Date.now() + CODE_REQUEST_WAIT_MS;
  while (!core.pendingCodes.has(phone) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return core.pendingCodes.get(phone);
}

/** The phone types the pairing code: it answers `primary_hello`, then waits for `companion_finish`. */
export async function enterPairingCode(core: SimCore, account: Account, code: string): Promise<LinkResult> {
  const normalized = code.replace(/[-\s]/g, '').toUpperCase();
  if (!/^[0-9A-Z]{8}$/.test(normalized)) throw badInput('code must be the 8-character pairing code');
  const pending = await waitForCodeRequest(core, account.phone);
  if (!pending?.conn.isOpen)
    throw notFound(`no companion is waiting for a pairing code for ${account.phone}`);
  if (pending.phoneSide) throw conflict('a pairing code is already being entered for this phone');
  const ephemeral = Curve.generateKeyPair();
  const finished = new Promise<boolean>((resolve) => {
    pending.phoneSide = { ephemeral, code: normalized, done: resolve };
  });
  const wrapped = await wrapKey(normalized, ephemeral.public);
  pending.conn.send({
    tag: 'notification',
    attrs: { from: S_WA, type: 'link_code_companion_reg', id: randomBytes(8).toString('hex'), t: unixNow() },
    content: [
      {
        tag: 'link_code_companion_reg',
        attrs: { stage: 'primary_hello' },
        content: [
          { tag: 'link_code_pairing_ref', attrs: {}, content: pending.ref },
          { tag: 'primary_identity_pub', attrs: {}, content: account.identity.public },
          { tag: 'link_code_pairing_wrapped_primary_ephemeral_pub', attrs: {}, content: wrapped },
        ],
      },
    ],
  });
  const timer = setTimeout(() => pending.phoneSide?.done(false), PAIRING_CODE_WAIT_MS);
  const ok = await finished.finally(() => clearTimeout(timer));
  core.pendingCodes.delete(account.phone);
  if (!ok || !pending.result) throw badInput('the companion did not accept this code (wrong code?)');
  return pending.result;
}

/** `companion_finish`: the phone opens the key bundle, derives the ADV secret, and sends pair-success. */
export async function onCompanionFinish(core: SimCore, conn: Connection, iq: BinaryNode, reg: BinaryNode) {
  const pending = [...core.pendingCodes.values()].find((p) => p.conn === conn);
  conn.send({ tag: 'iq', attrs: { from: S_WA, type: 'result', id: iq.attrs.id ?? '' } });
  const side = pending?.phoneSide;
  if (!pending || !side) return;
  try {
    const account = core.directory.accounts.get((reg.attrs.jid ?? '').split('@')[0] ?? '');
    const bundle = childBytes(reg, 'link_code_pairing_wrapped_key_bundle');
    const companionIdentity = childBytes(reg, 'companion_identity_public');
    if (!account || !bundle || !companionIdentity) throw new Error('incomplete companion_finish');
    const companionEphemeral = await unwrapKey(side.code, pending.wrappedCompanionEphemeral);
    const shared = Curve.sharedKey(side.ephemeral.private, companionEphemeral);
    const key = Buffer.from(
      hkdfSync('sha256', shared, bundle.subarray(0, 32), 'link_code_pairing_key_bundle_encryption_key', 32),
    );
    const plain = aesDecryptGCM(bundle.subarray(44), key, bundle.subarray(32, 44), Buffer.alloc(0));
    const random = plain.subarray(64, 96);
    const identityShared = Curve.sharedKey(account.identity.private, companionIdentity);
    const advSecret = Buffer.from(
      hkdfSync('sha256', Buffer.concat([shared, identityShared, random]), Buffer.alloc(0), 'adv_secret', 32),
    );
    pending.result = sendPairSuccess(core, conn, account, advSecret);
    side.done(true);
  } catch (err) {
    core.log('pairing-code-failed', { error: String(err) });
    side.done(false);
  }
}

function sendPairSuccess(core: SimCore, conn: Connection, account: Account, advSecret: Buffer): LinkResult {
  const reg = conn.registration;
  if (!reg || !conn.clientNoisePub) throw badInput('this companion is not registering');
  const deviceId = account.nextDevice++;
  const details = proto.ADVDeviceIdentity.encode({
    rawId: 4242,
    timestamp: Number(unixNow()),
    keyIndex: deviceId,
  }).finish();
  const signedMsg = Buffer.concat([ADV_ACCOUNT_SIG_PREFIX, details, reg.identityPub]);
  let accountSignature = Buffer.from(Curve.sign(account.identity.private, signedMsg));
  if (core.takeFault(account.phone, 'bad-pair-signature'))
    accountSignature = randomBytes(accountSignature.length);
  const signed = proto.ADVSignedDeviceIdentity.encode({
    details,
    accountSignatureKey: account.identity.public,
    accountSignature,
  }).finish();
  const hmac = hmacSign(signed, advSecret);
  account.devices.set(deviceId, {
    id: deviceId,
    noisePub: conn.clientNoisePub,
    keys: makeDeviceKeys(reg.registrationId, reg.identityPub, reg.signedPreKey),
    pushName: conn.pushName ?? account.name,
    keyShared: false,
    queue: [],
    linkedAt: Date.now(),
  });
  account.phoneParty.forgetDevice(account.phone, deviceId);
  forgetRegistration(core, conn);
  conn.pairSuccessId = `ps-${randomBytes(4).toString('hex')}`;
  const result = {
    phone: account.phone,
    device: deviceId,
    jid: `${account.phone}:${deviceId}@${S_WA}`,
    lid: `${account.lidUser}:${deviceId}@lid`,
  };
  conn.send({
    tag: 'iq',
    attrs: { from: S_WA, type: 'set', id: conn.pairSuccessId },
    content: [
      {
        tag: 'pair-success',
        attrs: {},
        content: [
          {
            tag: 'device-identity',
            attrs: {},
            content: proto.ADVSignedDeviceIdentityHMAC.encode({ details: signed, hmac }).finish(),
          },
          { tag: 'platform', attrs: { name: 'android' } },
          { tag: 'device', attrs: { jid: result.jid, lid: result.lid } },
        ],
      },
    ],
  });
  announceDeviceChange(core, account, deviceId, 'add');
  core.log('pair-success', { jid: result.jid });
  return result;
}

/** The companion signed its device identity: linking is done, the server asks for a restart (515). */
export function onPairDeviceSign(conn: Connection): void {
  conn.send({ tag: 'stream:error', attrs: { code: '515' } });
  setTimeout(() => conn.close(), 50);
}

export const iqError = (iq: BinaryNode, code: string, text: string): BinaryNode => ({
  tag: 'iq',
  attrs: { from: iq.attrs.to ?? S_WA, type: 'error', id: iq.attrs.id ?? '' },
  content: [{ tag: 'error', attrs: { code, text } }],
});
