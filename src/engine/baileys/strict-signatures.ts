import { createRequire } from 'node:module';
import { Curve } from 'baileys';

type VerifySignature = (pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;
const libsignalCurve = createRequire(import.meta.url)('libsignal/src/curve.js') as {
  verifySignature: VerifySignature;
};

const withKeyType = (key: Uint8Array): Uint8Array =>
  key.length === 33 ? key : Buffer.concat([Buffer.from([5]), key]);

/**
 * libsignal 6 answers a bad signature with `false`, while Baileys' `Curve.verify` only treats a throw
 * as failure, so the noise certificate chain and the ADV account signature would pass unchecked.
 * Every caller reaches `Curve.verify` through the shared object, so replacing it once closes both.
 */
export function enforceStrictSignatures(): void {
  Curve.verify = (pubKey, message, signature) => {
    try {
      return libsignalCurve.verifySignature(withKeyType(pubKey), message, signature) === true;
    } catch {
      return false;
    }
  };
}
