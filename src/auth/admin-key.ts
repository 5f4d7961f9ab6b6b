import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensurePrivateDir, narrowToOwner } from '../store/private-files.ts';
import { generateApiKey } from './api-keys.ts';

export const ADMIN_KEY_FILE = 'admin-api-key';

/**
 * The operator's key: `API_KEY` when set; otherwise the one generated on first start and kept in the
 * data directory (readable by its owner only). `created` tells the caller to print it, once.
 */
export function resolveAdminKey(
  configured: string | undefined,
  dataDir: string,
): { key: string; created: boolean } {
  if (configured) return { key: configured, created: false };
  const file = join(dataDir, ADMIN_KEY_FILE);
  if (existsSync(file)) {
    narrowToOwner(file);
    return { key: readFileSync(file, 'utf8').trim(), created: false };
  }
  ensurePrivateDir(dataDir);
  const { key } = generateApiKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, created: true };
}
