import { startTestPostgres } from './support/postgres.ts';

/**
 * One embedded PostgreSQL server for the whole run (unless TEST_DATABASE_URL names one): each test
 * file still gets a database of its own on it, and the run pays for one server start, not one per file.
 */
export default async function setup(): Promise<() => Promise<void>> {
  if (process.env.TEST_DATABASE_URL) return async () => {};
  const server = await startTestPostgres();
  const url = new URL(server.url);
  url.pathname = '/postgres';
  process.env.TEST_DATABASE_URL = url.toString();
  return async () => {
    delete process.env.TEST_DATABASE_URL;
    await server.stop();
  };
}
