import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ZapgateError } from '../../../src/errors.ts';
import { migrateOnly, openStore } from '../../../src/store/database.ts';
import type { Store } from '../../../src/store/repositories.ts';
import { startTestPostgres } from '../../support/postgres.ts';

export type Dialect = Store['dialect'];

export interface ContractContext {
  dialect: Dialect;
  url: string;
  store: Store;
  /** What `migrateOnly` applied to the fresh database before the store was opened. */
  firstMigration: string[];
}

/** A fresh, migrated database of the dialect, and how to throw it away. */
export async function openFreshStore(
  dialect: Dialect,
): Promise<{ context: ContractContext; dispose: () => Promise<void> }> {
  const target = dialect === 'sqlite' ? await sqliteTarget() : await startTestPostgres();
  try {
    const firstMigration = await migrateOnly(target.url);
    const store = await openStore(target.url);
    return {
      context: { dialect, url: target.url, store, firstMigration },
      dispose: async () => {
        await store.close();
        await target.stop();
      },
    };
  } catch (error) {
    await target.stop();
    throw error;
  }
}

async function sqliteTarget(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'zg-store-'));
  return { url: `sqlite://${dir}/contract.db`, stop: () => rm(dir, { recursive: true, force: true }) };
}

let counter = 0;
/** A name no other test in this database uses. */
export const unique = (prefix: string): string =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise and the function that resolves it: one step of a test waiting for another. */
export function signal(): { reached: Promise<void>; reach: () => void } {
  let reach!: () => void;
  const reached = new Promise<void>((resolve) => {
    reach = resolve;
  });
  return { reached, reach };
}

/** Awaits a promise that must fail with a coded ZapgateError. */
export async function expectCode(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ZapgateError);
  expect((error as ZapgateError).code).toBe(code);
  if (message) expect((error as ZapgateError).message).toMatch(message);
}
