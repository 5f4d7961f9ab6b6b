import type { Store } from '../store/repositories.ts';
import { type InstanceTally, tallyInstances } from './stats.ts';

/** GET /health/detailed: what an operator looks at first when something is off. */
export interface DetailedHealth {
  status: 'ok' | 'degraded';
  database: { ok: boolean; dialect: Store['dialect']; latencyMs: number };
  /** null when the database does not answer. */
  instances: InstanceTally | null;
  queues: { queued: number; oldestQueuedAgeMs: number | null } | null;
  memory: { rssBytes: number; heapUsedBytes: number };
  uptimeSeconds: number;
}

export interface HealthDeps {
  store: Pick<Store, 'dialect' | 'ping' | 'instances' | 'messages'>;
  /** How long the database gets to answer each step (a pool waiting for a dead server never does). */
  timeoutMs?: number;
  onError?: (err: unknown) => void;
}

/** Rejects when `promise` has not settled within `ms`; the timer never outlives it. */
export function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The database probe, then (when it answers) instance and queue counts; 'degraded' when either fails. */
export async function detailedHealth(deps: HealthDeps): Promise<DetailedHealth> {
  const { store, timeoutMs = 2_000, onError = () => {} } = deps;
  const started = performance.now();
  const ok = await within(store.ping(), timeoutMs).then(
    () => true,
    (err: unknown) => {
      onError(err);
      return false;
    },
  );
  const database = {
    ok,
    dialect: store.dialect,
    latencyMs: Math.round((performance.now() - started) * 10) / 10,
  };
  const counts = ok
    ? await within(readCounts(store), timeoutMs).catch((err: unknown) => {
        onError(err);
        return undefined;
      })
    : undefined;
  const memory = process.memoryUsage();
  return {
    status: counts ? 'ok' : 'degraded',
    database,
    instances: counts?.instances ?? null,
    queues: counts?.queues ?? null,
    memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
    uptimeSeconds: Math.round(process.uptime()),
  };
}

async function readCounts(store: HealthDeps['store']) {
  const [instances, queuedByInstance, oldest] = await Promise.all([
    store.instances.list(),
    store.messages.countQueuedByInstance(),
    store.messages.oldestQueuedAt(),
  ]);
  let queued = 0;
  for (const count of queuedByInstance.values()) queued += count;
  return {
    instances: tallyInstances(instances.map((i) => i.status)),
    queues: {
      queued,
      oldestQueuedAgeMs: oldest ? Math.max(0, Date.now() - oldest.getTime()) : null,
    },
  };
}
