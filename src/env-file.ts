import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Reads `.env` from the working directory into `process.env` when there is one (Node's own
 * parser). Variables already set in the real environment win over the file's.
 * Returns the file's path when it was read.
 */
export function loadDotEnv(cwd: string = process.cwd()): string | undefined {
  const path = resolve(cwd, '.env');
  if (!existsSync(path)) return undefined;
  const before = { ...process.env };
  process.loadEnvFile(path);
  // Node keeps existing variables already; restating it keeps that true whatever the version
  Object.assign(process.env, before);
  return path;
}
