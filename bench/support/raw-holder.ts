/**
 * A process that holds raw Baileys sockets (in-memory auth) linked to the simulator, for
 * bench/memory.ts to weigh. Run with `--expose-gc`; driven over its IPC channel:
 *
 * - `{ cmd: 'init', info, adminUrl }` trusts the simulator and prepares to link;
 * - `{ cmd: 'link', count, wave }` links `count` more sockets, `wave` at a time;
 * - `{ cmd: 'gc' }` runs a full garbage collection (twice) and reports `process.memoryUsage()`;
 * - `{ cmd: 'count' }` reports how many sockets are open.
 *
 * It prints `{"ready":true}` once Baileys is loaded, and exits when its parent goes away.
 */
import type { SimulatorInfo } from '../../sim/simulator.ts';
import { answerRequests } from './child.ts';
import { type RawSocket, type RawSocketFactory, rawSocketFactory } from './raw-socket.ts';
import { inWaves, SimAdmin } from './sim-admin.ts';

type Request = { id: string; cmd: string } & Record<string, unknown>;

// libsignal prints every closed session on console.info.
console.info = () => {};

const sockets: RawSocket[] = [];
let factory: RawSocketFactory | undefined;
let open = 0;

async function handle(req: Request): Promise<unknown> {
  if (req.cmd === 'init') {
    factory = rawSocketFactory(req.info as SimulatorInfo, new SimAdmin(String(req.adminUrl)));
    return { ok: true };
  }
  if (req.cmd === 'link') {
    const f = factory;
    if (!f) throw new Error('init first');
    const start = sockets.length;
    const names = Array.from({ length: Number(req.count) }, (_, i) => `raw-${start + i}`);
    const linked = await inWaves(names, Number(req.wave), async (name) => {
      const s = await f.link(name);
      open += 1;
      s.sock.ev.on('connection.update', (u) => {
        if (u.connection === 'close') open -= 1;
      });
      return s;
    });
    sockets.push(...linked);
    return { linked: linked.length, total: sockets.length, open };
  }
  if (req.cmd === 'gc') {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new Error('run with --expose-gc');
    gc();
    gc();
    return process.memoryUsage();
  }
  if (req.cmd === 'count') return { total: sockets.length, open };
  throw new Error(`unknown command ${req.cmd}`);
}

answerRequests(handle);
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
