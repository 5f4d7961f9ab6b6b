import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { ADMIN_KEY, freePort, type InstanceJson, linkByQr, PACING_OFF } from '../support/gateway-harness.ts';
import { ApiClient, eventually } from '../support/http-client.ts';
import { zapgateArgs } from '../support/zapgate-command.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** The pids of the processes whose environment names this NODE_ID (the supervisor's children). */
function pidOfNode(nodeId: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const env = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      if (env.includes(`NODE_ID=${nodeId}`)) return Number(entry);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}

let sim: RunningSimulator;
let supervisor: ChildProcess;
let api: ApiClient;
let output = '';
const dataDir = mkdtempSync(join(tmpdir(), 'zg-workers-'));

beforeAll(async () => {
  sim = await startSimulator();
  const port = await freePort();
  const workerPort = await freePort();
  supervisor = spawn(process.execPath, zapgateArgs('serve', '--workers', '3'), {
    cwd: ROOT,
    env: {
      ...process.env,
      ...PACING_OFF,
      PORT: String(port),
      WORKER_PORT: String(workerPort),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      API_KEY: ADMIN_KEY,
      NODE_ID: 'box',
      LEASE_RENEW_MS: '300',
      LEASE_TTL_MS: '1500',
      WA_SERVER_URL: sim.info.wsUrl,
      WA_SERVER_ROOT_KEY: sim.info.rootPublicKey,
      WA_SERVER_TLS_CERT: sim.info.tlsCert,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const keep = (c: Buffer) => {
    output = (output + c.toString()).slice(-20_000);
  };
  supervisor.stdout?.on('data', keep);
  supervisor.stderr?.on('data', keep);
  api = new ApiClient(`http://127.0.0.1:${port}`, ADMIN_KEY);
  const exited = new Promise<never>((_, reject) =>
    supervisor.once('exit', (code) =>
      reject(new Error(`the supervisor exited (${code}): ${output.slice(-2000)}`)),
    ),
  );
  exited.catch(() => {}); // once it is up, an exit is the afterAll's business
  await Promise.race([
    exited,
    eventually(
      'the API process',
      async () => (await fetch(`${api.baseUrl}/health`).catch(() => undefined))?.ok,
      // the supervisor starts four processes at once (each a Node and tsx start): on a loaded
      // machine that is longer than one gateway start, whose ceiling is 90 s
      120_000,
    ),
  ]);
}, 180_000);
afterAll(async () => {
  if (supervisor && supervisor.exitCode === null) {
    const exited = new Promise((r) => supervisor.once('exit', r));
    supervisor.kill('SIGTERM');
    await exited;
  }
  await sim?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('serve --workers 3 on SQLite', () => {
  it('runs an API process and three workers on one database, and survives a SIGKILL of a worker', {
    timeout: 180_000,
  }, async () => {
    // all three workers live first: each takes its fair share of the instances as they come, so
    // none is handed over to a late worker while it is being linked
    await eventually(
      'three live workers',
      async () => {
        const nodes = await api.get<{ items: Array<{ role: string }> }>('/api/v1/nodes');
        return nodes.body.items.filter((n) => n.role === 'worker').length === 3;
      },
      90_000,
    );
    // one at a time: linked side by side, one of the three did not connect within 30 s on a loaded machine
    for (const name of ['s-a', 's-b', 's-c']) {
      const { phone } = sim.api.createAccount({ name });
      const created = await api.post<InstanceJson>('/api/v1/instances', { name });
      expect(created.status).toBe(201);
      await linkByQr(api, sim.info.adminUrl, created.body.id, phone);
    }
    const owners = await eventually('one instance on each of the three workers', async () => {
      const list = (await api.get<{ items: InstanceJson[] }>('/api/v1/instances')).body.items;
      const o = list.map((i) => String(i.owner));
      return new Set(o).size === 3 && o.every((w) => w.startsWith('box-worker-')) ? list : undefined;
    });
    const victim = owners[0];
    const pid = pidOfNode(String(victim?.owner));
    expect(pid).toBeGreaterThan(0);
    const contact = sim.api.createContact({}).phone;
    const texts = Array.from({ length: 40 }, (_, n) => `n${n}`);
    for (const text of texts)
      await api.post(`/api/v1/instances/${victim?.name}/messages`, { to: contact, type: 'text', text });
    await eventually('a first text sent', () => sim.api.contactInbox(contact).length > 0);
    process.kill(pid ?? 0, 'SIGKILL');
    await eventually(
      'the instance connected again',
      async () => {
        const again = (await api.get<InstanceJson>(`/api/v1/instances/${victim?.name}`)).body;
        return again.status === 'connected' && again.owner !== null;
      },
      60_000,
    );
    // the text in flight at the kill may go twice, with the same WhatsApp id: the phone drops it
    const distinct = () => new Set(sim.api.contactInbox(contact).map((m) => m.id)).size;
    await eventually('all 40 texts at the contact', () => distinct() === 40, 60_000);
    const got = sim.api.contactInbox(contact);
    expect(got.length - distinct()).toBeLessThanOrEqual(1);
    expect(new Set(got.map((m) => String(m.content.text)))).toEqual(new Set(texts));
    await eventually('the supervisor to start the killed worker again', () => {
      const again = pidOfNode(String(victim?.owner));
      return again !== undefined && again !== pid;
    });
  });
});
