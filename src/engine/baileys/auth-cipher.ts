import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const PREFIX = 'zg1:';

/** Seals stored credentials with AES-256-GCM under the operator's master key, when one is set. */
export interface AuthCipher {
  seal(plain: string): string;
  open(stored: string): string;
}

/** A master key is any string; it is stretched to a 256-bit key with SHA-256. */
export function createAuthCipher(masterKey: string | undefined): AuthCipher {
  const key = masterKey ? createHash('sha256').update(masterKey, 'utf8').digest() : undefined;
  return {
    seal(plain) {
      if (!key) return plain;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    open(stored) {
      if (!stored.startsWith(PREFIX)) return stored; // written before a master key was set
      if (!key)
        throw new Error('stored credentials are encrypted: set MASTER_KEY to the key they were written with');
      const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      try {
        return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        throw new Error('stored credentials do not open with this MASTER_KEY');
      }
    },
  };
}
