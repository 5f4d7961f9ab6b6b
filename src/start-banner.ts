import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN_KEY_FILE } from './auth/admin-key.ts';
import { DASHBOARD_DIR } from './http/routes/dashboard-routes.ts';

export interface BannerFacts {
  /** The address the HTTP server listens on, as Fastify reports it. */
  url: string;
  dataDir: string;
  /** The admin key, and whether this start generated it (only then is it printed). */
  adminKey: { key: string; created: boolean };
  /** The operator set API_KEY: the key is theirs, and no file holds it. */
  keyFromEnvironment: boolean;
  dashboardBuilt?: boolean;
}

/** Where the admin key is, printing the key itself only on the start that generated it. */
export function adminKeyLine(facts: BannerFacts): string {
  const file = join(facts.dataDir, ADMIN_KEY_FILE);
  if (facts.keyFromEnvironment) return '  Admin API key: the API_KEY setting (not printed)';
  if (facts.adminKey.created)
    return `  Admin API key: ${facts.adminKey.key} (generated now and shown once; kept in ${file})`;
  return `  Admin API key: in ${file}`;
}

/** The lines printed on every start of an API-serving process: what is where. */
export function startBanner(facts: BannerFacts): string[] {
  const built = facts.dashboardBuilt ?? existsSync(join(DASHBOARD_DIR, 'index.html'));
  return [
    `Zapgate listening on ${facts.url}`,
    `  Dashboard: ${facts.url}/${built ? '' : ' (not built yet: run npm run build:web)'}`,
    `  API docs: ${facts.url}/docs`,
    adminKeyLine(facts),
  ];
}
