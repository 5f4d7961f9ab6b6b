import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type Gateway } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';

export const IN_PROCESS_KEY = 'zg_in_process_admin_key_0123456789';

/**
 * The real gateway built in this process on a fresh SQLite file, never listening: requests go
 * through `inject`. For suites about the HTTP surface alone (schemas, the OpenAPI document). It logs
 * errors only, so a 500's cause shows in the test's output.
 */
export class InProcessGateway {
  private constructor(
    readonly gateway: Gateway,
    private readonly dataDir: string,
  ) {}

  static async build(env: Record<string, string> = {}): Promise<InProcessGateway> {
    const dataDir = mkdtempSync(join(tmpdir(), 'zg-inproc-'));
    const config = loadConfig({ DATA_DIR: dataDir, API_KEY: IN_PROCESS_KEY, LOG_LEVEL: 'error', ...env });
    const gateway = await buildApp(config);
    await gateway.app.ready();
    return new InProcessGateway(gateway, dataDir);
  }

  /** A request with the admin key. */
  request(options: InjectOptions): Promise<LightMyRequestResponse> {
    return this.gateway.app.inject({
      ...options,
      headers: { authorization: `Bearer ${IN_PROCESS_KEY}`, ...options.headers },
    });
  }

  async dispose(): Promise<void> {
    await this.gateway.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
