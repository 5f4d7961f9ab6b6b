import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type SpawnedSimulator, simulatorCommand, spawnSimulator } from '../../sim/child-process.ts';
import type { SimulatorInfo } from '../../sim/simulator.ts';
import { SimClient } from '../support/sim-client.ts';

const spawned: SpawnedSimulator[] = [];
const clis: ChildProcess[] = [];
const clients: SimClient[] = [];

afterAll(async () => {
  for (const c of clients) c.end();
  for (const child of clis) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(spawned.map((s) => s.stop()));
});

async function startSim(env: Record<string, string> = {}): Promise<SpawnedSimulator> {
  const sim = await spawnSimulator({ env });
  spawned.push(sim);
  return sim;
}

/** `sim/main.ts` run directly, to see exactly what it prints and how it exits. */
function runCli(env: Record<string, string>, ipc = false) {
  const { command, args, cwd } = simulatorCommand();
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', ipc ? 'ipc' : 'ignore'],
  });
  clis.push(child);
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  // 'exit', then all it wrote: with an IPC channel, 'close' may never come once the channel is gone.
  const ended = [child.stdout, child.stderr].map((stream) => stream && once(stream, 'end'));
  const exit = (async () => {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    await Promise.all(ended);
    return [code, signal];
  })();
  return { child, output, exit };
}

async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function post<T>(adminUrl: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${adminUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** A new account on the simulator, and a real Baileys client linked to it through the admin API. */
async function linkedClient(
  info: SimulatorInfo,
  name: string,
): Promise<{ client: SimClient; phone: string }> {
  const { phone } = await post<{ phone: string }>(info.adminUrl, '/accounts', { name });
  const client = new SimClient(info, { name });
  clients.push(client);
  client.connect();
  await post(info.adminUrl, `/accounts/${phone}/link-qr`, { qr: await client.waitForQr() });
  await client.waitForOpen(1);
  return { client, phone };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The X25519 public key of a raw private key, computed by Node's own crypto rather than the simulator's. */
function x25519Public(privateKey: Buffer): string {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b656e04220420', 'hex'), privateKey]);
  const spki = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({
    format: 'der',
    type: 'spki',
  });
  return spki.subarray(spki.length - 32).toString('base64');
}

function httpsStatus(url: string, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', ...(ca ? { ca } : {}) }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('the simulator as a command (npm run sim)', () => {
  it('prints one JSON line, a summary, the info file and JSON logs, and exits 0 on SIGINT', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'zapgate-sim-'));
    try {
      const infoFile = join(dir, 'sim-info.json');
      const cli = runCli({ SIM_INFO_FILE: infoFile, SIM_LOG: '1' });
      const line = await until('the info line', () => cli.output.stdout.includes('\n') && cli.output.stdout);
      const printed = JSON.parse(line) as Record<string, string>;
      expect(Object.keys(printed).sort()).toEqual(['adminUrl', 'mediaHost', 'rootPublicKey', 'wsUrl']);
      const adminUrl = printed.adminUrl ?? '';
      const info = (await (await fetch(`${adminUrl}/info`)).json()) as SimulatorInfo;
      expect(info).toEqual({ ...printed, tlsCert: expect.stringContaining('BEGIN CERTIFICATE') });
      expect(JSON.parse(await readFile(infoFile, 'utf8'))).toEqual(info);

      const stderr = await until(
        'the summary',
        () => cli.output.stderr.includes('Ctrl-C') && cli.output.stderr,
      );
      for (const shown of [info.wsUrl, info.adminUrl, info.rootPublicKey, 'WA_CERT_DETAILS.PUBLIC_KEY'])
        expect(stderr).toContain(shown);
      expect(stderr).toMatch(/SIM_ROOT_PRIVATE_KEY=[A-Za-z0-9+/]{43}=/);
      const logs = stderr.split('\n').filter((l) => l.startsWith('{'));
      expect(logs.map((l) => JSON.parse(l) as { event: string })).toContainEqual(
        expect.objectContaining({ event: 'listening', wsUrl: info.wsUrl }),
      );
      expect(cli.output.stdout.split('\n')).toEqual([line.trim(), '']);

      cli.child.kill('SIGINT');
      expect(await cli.exit).toEqual([0, null]);
      await expect(fetch(`${adminUrl}/info`)).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('closes and exits 0 on SIGTERM, and when the parent of an IPC channel lets go', async () => {
    const [byTerm, byParent] = [runCli({}), runCli({}, true)];
    await until(
      'both to listen',
      () => byTerm.output.stdout.includes('\n') && byParent.output.stdout.includes('\n'),
    );
    byTerm.child.kill('SIGTERM');
    byParent.child.disconnect();
    expect(await byTerm.exit).toEqual([0, null]);
    expect(await byParent.exit).toEqual([0, null]);
  });

  it('exits with code 2 and a message for a bad variable', async () => {
    const bad: Array<[Record<string, string>, RegExp]> = [
      [{ SIM_PORT: 'abc' }, /SIM_PORT must be a whole number/],
      [{ SIM_ADMIN_PORT: '70000' }, /SIM_ADMIN_PORT/],
      [{ SIM_PORT: '4000', SIM_ADMIN_PORT: '4000' }, /must differ/],
      [{ SIM_TLS: 'maybe' }, /SIM_TLS/],
      [{ SIM_ROOT_PRIVATE_KEY: 'c2hvcnQ=' }, /SIM_ROOT_PRIVATE_KEY .*32 bytes/],
      [{ SIM_HISTORY_CHATS: '-1' }, /SIM_HISTORY_CHATS/],
      [{ SIM_HISTORY_MESSAGES: '2.5' }, /SIM_HISTORY_MESSAGES/],
      [{ SIM_LOG: 'loud' }, /SIM_LOG/],
    ];
    await Promise.all(
      bad.map(async ([env, message]) => {
        const cli = runCli(env);
        expect(await cli.exit, JSON.stringify(env)).toEqual([2, null]);
        expect(cli.output.stderr).toMatch(message);
        expect(cli.output.stdout).toBe('');
      }),
    );
    await expect(spawnSimulator({ env: { SIM_PORT: 'abc' } })).rejects.toThrow(
      /exited with code 2 before it was ready:\n.*SIM_PORT must be a whole number/,
    );
  });
});

describe('spawnSimulator: a simulator in a child process', () => {
  let sim: SpawnedSimulator;

  it('starts the child and gives its full info', async () => {
    sim = await startSim();
    expect(sim.pid).not.toBe(process.pid);
    expect(isAlive(sim.pid)).toBe(true);
    expect(sim.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.info).toEqual({
      wsUrl: expect.stringMatching(/^ws:\/\/127\.0\.0\.1:\d+\/ws\/chat$/),
      adminUrl: sim.adminUrl,
      mediaHost: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      rootPublicKey: expect.any(String),
      tlsCert: expect.stringMatching(/^-----BEGIN CERTIFICATE-----/),
    });
    expect(Buffer.from(sim.info.rootPublicKey, 'base64')).toHaveLength(32);
  });

  it('links a real Baileys client over the admin API and exchanges texts with a contact', async () => {
    const { client, phone } = await linkedClient(sim.info, 'Standalone Tester');
    expect(client.phone).toBe(phone);
    const contact = await post<{ phone: string }>(sim.adminUrl, '/contacts', { name: 'Dana' });
    const sent = await post<{ id: string }>(sim.adminUrl, `/contacts/${contact.phone}/messages`, {
      to: phone,
      type: 'text',
      text: 'from another process',
    });
    const got = await client.waitForMessage((m) => m.key.id === sent.id);
    expect(got.message?.conversation).toBe('from another process');
    const mine = await client.sock.sendMessage(`${contact.phone}@s.whatsapp.net`, { text: 'back at you' });
    const inbox = await until('the contact to decrypt the reply', async () => {
      const res = await fetch(`${sim.adminUrl}/contacts/${contact.phone}/messages`);
      return ((await res.json()) as Array<{ id: string; content: { text?: string } }>).find(
        (m) => m.id === mine?.key.id,
      );
    });
    expect(inbox.content.text).toBe('back at you');
  });

  it('stop() ends the child and frees its ports', async () => {
    await sim.stop();
    expect(isAlive(sim.pid)).toBe(false);
    await expect(fetch(`${sim.adminUrl}/info`)).rejects.toThrow();
    await sim.stop();
  });
});

describe('spawnSimulator with configuration', () => {
  it('serves wss:// on the given ports with SIM_TLS=1, and a client that trusts tlsCert links', async () => {
    const [port, adminPort] = [await freePort(), await freePort()];
    const sim = await startSim({
      SIM_TLS: '1',
      SIM_PORT: String(port),
      SIM_ADMIN_PORT: String(adminPort),
      SIM_HISTORY_CHATS: '2',
      SIM_HISTORY_MESSAGES: '3',
    });
    expect(sim.info.wsUrl).toBe(`wss://127.0.0.1:${port}/ws/chat`);
    expect(sim.adminUrl).toBe(`http://127.0.0.1:${adminPort}`);
    const socketHttps = `https://127.0.0.1:${port}/nothing-here`;
    await expect(httpsStatus(socketHttps)).rejects.toThrow(/self[- ]signed/i);
    expect(await httpsStatus(socketHttps, sim.info.tlsCert)).toBe(404);

    const { client, phone } = await linkedClient(sim.info, 'TLS Tester');
    expect(client.isOpen).toBe(true);
    expect(client.phone).toBe(phone);
    const history = await client.waitFor('the history sync', () =>
      client.events.find((e) => e.name === 'messaging-history.set'),
    );
    const data = history.data as { chats: unknown[]; messages: unknown[] };
    expect(data.chats).toHaveLength(2);
    expect(data.messages).toHaveLength(6);
  });

  it('keeps the root key given in SIM_ROOT_PRIVATE_KEY across runs', async () => {
    const privateKey = createHash('sha256').update('zapgate standalone test root').digest();
    const env = { SIM_ROOT_PRIVATE_KEY: privateKey.toString('base64') };
    const [one, two, other] = await Promise.all([startSim(env), startSim(env), startSim()]);
    expect(one.info.rootPublicKey).toBe(x25519Public(privateKey));
    expect(two.info.rootPublicKey).toBe(one.info.rootPublicKey);
    expect(other.info.rootPublicKey).not.toBe(one.info.rootPublicKey);
    // Baileys checks the server's certificate chain against this root: a link proves it signs the chain.
    const { client } = await linkedClient(two.info, 'Fixed Root Tester');
    expect(client.isOpen).toBe(true);
  });
});
