import { spawn } from 'node:child_process';
import autocannon from 'autocannon';
import { spawnSimulator } from '../sim/child-process.ts';
import { ADMIN_KEY, freePort, PACING_OFF } from '../test/support/gateway-harness.ts';
import { ApiClient, eventually } from '../test/support/http-client.ts';
import { linkGatewayInstance } from './support/gateway-link.ts';
import { SimAdmin } from './support/sim-admin.ts';
import { startTestPostgres } from '../test/support/postgres.ts';
const sim = await spawnSimulator();
const port = await freePort();
const pg = process.env.DB === 'postgres' ? await startTestPostgres() : undefined;
const child = spawn(process.execPath, ['--import', '/tmp/zgprof/sqltime.mjs', '--import', 'tsx', 'src/main.ts', 'serve'], {
  env: { ...process.env, ...PACING_OFF, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: '/tmp/zgprof/data' + Date.now(), API_KEY: ADMIN_KEY,
    ...(pg ? { DATABASE_URL: pg.url } : {}),
    WA_SERVER_URL: sim.info.wsUrl, WA_SERVER_ROOT_KEY: sim.info.rootPublicKey, WA_SERVER_TLS_CERT: sim.info.tlsCert, LOG_LEVEL: 'warn' }, stdio: 'inherit' });
await eventually('up', async () => (await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined))?.ok);
const api = new ApiClient(`http://127.0.0.1:${port}`, ADMIN_KEY);
const admin = new SimAdmin(sim.adminUrl);
const inst = await linkGatewayInstance(api, admin, 'p');
const c = await admin.createContact('c');
const r = await autocannon({ url: `http://127.0.0.1:${port}/api/v1/instances/${inst.id}/messages`, method: 'POST', connections: 50, duration: Number(process.env.DUR ?? 10),
  headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ to: c.phone, type: 'text', text: 'x' }) });
console.log(r['2xx'] / r.duration, r.latency.p50, r.latency.p99, r.non2xx, r.errors);
console.log(JSON.stringify((await api.get('/api/v1/queue')).body));
child.kill('SIGTERM');
await new Promise((r) => child.once('exit', r));
await sim.stop();
await pg?.stop();
process.exit(0);
