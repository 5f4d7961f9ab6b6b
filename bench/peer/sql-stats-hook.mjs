// Preloaded into the gateway by bench/peer-bullmq.ts when BENCH_GATEWAY_SQL_STATS=<file> is set
// (NODE_OPTIONS=--import=<this file>): counts and times every SQLite statement the process runs,
// by its SQL, and writes the table to that file every 3 s and at exit. How many statements a
// message costs, and which ones, is what the CPU profile cannot tell (all of SQLite's time shows
// as Kysely's `executeQuery`). Statement times under load include waits for a core.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const Database = createRequire(`${process.cwd()}/package.json`)('better-sqlite3');
const file = process.env.BENCH_SQL_STATS_FILE?.replace('{pid}', String(process.pid));
const stats = new Map();

function count(sql, started) {
  const entry = stats.get(sql) ?? { calls: 0, ms: 0 };
  entry.calls += 1;
  entry.ms += Number(process.hrtime.bigint() - started) / 1e6;
  stats.set(sql, entry);
}

const statement = Object.getPrototypeOf(new Database(':memory:').prepare('select 1'));
for (const method of ['run', 'all', 'get', 'iterate']) {
  const original = statement[method];
  statement[method] = function timed(...args) {
    const started = process.hrtime.bigint();
    try {
      return original.apply(this, args);
    } finally {
      count(this.source, started);
    }
  };
}

function write() {
  if (!file || stats.size === 0) return;
  const rows = [...stats].sort((a, b) => b[1].ms - a[1].ms);
  const total = rows.reduce((sum, [, s]) => sum + s.calls, 0);
  const lines = rows.map(
    ([sql, s]) =>
      `${s.ms.toFixed(0).padStart(8)} ms ${String(s.calls).padStart(8)} x ${((s.ms / s.calls) * 1000).toFixed(0).padStart(6)} us  ${sql.replace(/\s+/g, ' ').slice(0, 200)}`,
  );
  writeFileSync(file, `${total} statements\n${lines.join('\n')}\n`);
}

setInterval(write, 3000).unref();
process.on('exit', write);
