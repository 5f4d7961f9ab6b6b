import { buildGatewayBundle } from './support/gateway-bundle.ts';
import { startTestPostgres } from './support/postgres.ts';
import { BUNDLE_ENV } from './support/zapgate-command.ts';

/**
 * One embedded PostgreSQL server for the whole run (unless TEST_DATABASE_URL names one): each test
 * file still gets a database of its own on it, and the run pays for one server start, not one per file.
 */
export default async function setup(): Promise<() => Promise<void>> {
  // every gateway process a test starts runs this build of the source (test/support/zapgate-command.ts)
  process.env[BUNDLE_ENV] = await buildGatewayBundle();
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
