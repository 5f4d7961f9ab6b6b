import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADMIN_KEY, freePort, linkByQr } from '../support/gateway-harness.ts';
import { ApiClient, eventually } from '../support/http-client.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('zapgate sandbox', () => {
  it('starts the gateway wired to its own simulator and links an instance, as the README walks through', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zg-sandbox-'));
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), 'sandbox'], {
      cwd: ROOT,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        API_KEY: ADMIN_KEY,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    try {
      const adminUrl = await eventually(
        'the simulator admin URL',
        () => /admin API (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1],
        30_000,
      );
      expect(stderr).toContain(`Zapgate listening on http://127.0.0.1:${port}`);
      const api = new ApiClient(`http://127.0.0.1:${port}`, ADMIN_KEY);
      const { phone } = (await fetch(`${adminUrl}/accounts`, {
        method: 'POST',
        body: '{"name":"Sandbox Phone"}',
      }).then((r) => r.json())) as { phone: string };
      const created = await api.post<{ id: string }>('/api/v1/instances', { name: 'try-me' });
      const linked = await linkByQr(api, adminUrl, created.body.id, phone);
      expect(linked.phone).toBe(phone);
    } finally {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
