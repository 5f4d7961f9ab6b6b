import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Instance } from '../domain/instance.ts';
import type { Store } from '../store/repositories.ts';
import { Metrics } from './metrics.ts';

function fakeStore(options: { fail?: boolean } = {}) {
  const reads = { list: 0 };
  const store = {
    instances: {
      list: async () => {
        reads.list++;
        if (options.fail) throw new Error('database is down');
        return [
          { id: 'i-1', status: 'connected' },
          { id: 'i-2', status: 'connected' },
          { id: 'i-3', status: 'qr' },
        ] as Instance[];
      },
    },
    messages: {
      countByDirectionAndStatus: async () => [
        { direction: 'inbound', status: 'received', count: 4 },
        { direction: 'outbound', status: 'sent', count: 7 },
        { direction: 'outbound', status: 'queued', count: 2 },
      ],
      countQueuedByInstance: async () => new Map([['i-1', 2]]),
    },
  };
  return { store: store as unknown as Pick<Store, 'instances' | 'messages'>, reads };
}

/** `name{labels} value` lines, as a map from the part before the value to the value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

describe('Metrics', () => {
  it('reads instances, messages and queue depth from the store once per scrape', async () => {
    const { store, reads } = fakeStore();
    const metrics = new Metrics({ store });
    const text = await metrics.render();
    const s = samples(text);
    expect(reads.list).toBe(1);
    expect(s.get('zapgate_instances{status="connected"}')).toBe(2);
    expect(s.get('zapgate_instances{status="qr"}')).toBe(1);
    expect(s.get('zapgate_instances{status="failed"}')).toBe(0);
    expect(s.get('zapgate_messages_total{direction="outbound",status="sent"}')).toBe(7);
    expect(s.get('zapgate_messages_total{direction="inbound",status="received"}')).toBe(4);
    expect(s.get('zapgate_messages_total{direction="outbound",status="failed"}')).toBe(0);
    expect(s.get('zapgate_queue_depth{instance="i-1"}')).toBe(2);
    expect(s.get('zapgate_queue_depth{instance="i-3"}')).toBe(0);
    expect(s.get('zapgate_database_up')).toBe(1);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    await metrics.render();
    expect(reads.list).toBe(2);
  });

  it('observes send latency in seconds and counts webhook outcomes from zero', async () => {
    const metrics = new Metrics({ store: fakeStore().store });
    for (const ms of [40, 1_500, 20_000, Number.NaN, -5]) metrics.observeSendLatency(ms);
    metrics.observeWebhookDelivery('delivered');
    metrics.observeWebhookDelivery('delivered');
    metrics.observeWebhookDelivery('dead');
    const s = samples(await metrics.render());
    expect(s.get('zapgate_send_latency_seconds_count')).toBe(4);
    expect(s.get('zapgate_send_latency_seconds_sum')).toBeCloseTo(21.54);
    expect(s.get('zapgate_send_latency_seconds_bucket{le="0.05"}')).toBe(2);
    expect(s.get('zapgate_send_latency_seconds_bucket{le="2.5"}')).toBe(3);
    expect(s.get('zapgate_send_latency_seconds_bucket{le="+Inf"}')).toBe(4);
    expect(s.get('zapgate_webhook_deliveries_total{outcome="delivered"}')).toBe(2);
    expect(s.get('zapgate_webhook_deliveries_total{outcome="dead"}')).toBe(1);
    expect(s.get('zapgate_webhook_deliveries_total{outcome="failed"}')).toBe(0);
  });

  it('has process metrics with the zapgate_ prefix, in its own registry', async () => {
    const a = new Metrics({ store: fakeStore().store });
    const b = new Metrics({ store: fakeStore().store });
    const text = await a.render();
    for (const name of [
      'zapgate_process_resident_memory_bytes',
      'zapgate_nodejs_heap_size_used_bytes',
      'zapgate_nodejs_eventloop_lag_seconds',
    ])
      expect(text).toContain(`\n${name} `);
    expect(await b.render()).toContain('zapgate_instances');
    expect(await globalRegistry.metrics()).not.toContain('zapgate_');
  });

  it('still answers when the database does not: store gauges empty, zapgate_database_up 0', async () => {
    const warnings: unknown[] = [];
    const metrics = new Metrics({
      store: fakeStore({ fail: true }).store,
      logger: { warn: (o) => warnings.push(o) },
    });
    const text = await metrics.render();
    const s = samples(text);
    expect(s.get('zapgate_database_up')).toBe(0);
    expect([...s.keys()].some((k) => k.startsWith('zapgate_instances'))).toBe(false);
    expect(text).toContain('zapgate_process_resident_memory_bytes');
    expect(warnings).toHaveLength(1);
  });
});
