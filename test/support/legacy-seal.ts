import { createCipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * A credential row as the first scheme (`zg1:`) wrote it, before the KDF and the row binding:
 * SHA-256 of the master key, AES-256-GCM, nothing bound. Operators still have such rows.
 */
export function legacySeal(masterKey: string, plain: string): string {
  const key = createHash('sha256').update(masterKey, 'utf8').digest();
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `zg1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}
