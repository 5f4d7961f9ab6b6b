import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Instance } from '../domain/instance.ts';
import { EventBus } from '../events/event-bus.ts';
import type { SessionControl } from '../sessions/session-control.ts';
import { openStore } from '../store/database.ts';
import type { Store } from '../store/repositories.ts';
import { InstanceService } from './instance-service.ts';
import { RECENT_MS, RecentInstances } from './recent-instances.ts';

let dir: string;
let store: Store;
const ADMIN = { kind: 'admin' } as const;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zg-recent-'));
  store = await openStore(`sqlite://${dir}/recent.db`);
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** The send path's look-up with its cache, as app.ts wires it; no session is ever asked for. */
function service() {
  const bus = new EventBus();
  const recent = new RecentInstances(bus);
  const instances = new InstanceService(store, {} as SessionControl, 100, recent);
  return { bus, recent, instances };
}

async function newInstance(linked: boolean, tenantId: string | null = null): Promise<Instance> {
  if (tenantId && !(await store.tenants.get(tenantId)))
    await store.tenants.create({ id: tenantId, name: tenantId });
  const created = await store.instances.create({
    id: randomUUID(),
    tenantId,
    name: `recent-${randomUUID()}`,
    desiredState: 'running',
    settings: {},
  });
  if (!linked) return created;
  return (await store.instances.update(created.id, {
    status: 'connected',
    jid: '15550001111:1@s.whatsapp.net',
  })) as Instance;
}

describe('the send path’s recent instances', () => {
  it('answers a linked instance from memory for a second, then reads it again', async () => {
    const { instances } = service();
    const linked = await newInstance(true);
    // the clock alone is faked: how long the statements take on a loaded machine does not count
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      expect((await instances.findForSend(ADMIN, linked.id)).status).toBe('connected');
      // written behind its back (another process): the copy stands until it is a second old
      await store.instances.update(linked.id, { status: 'disconnected' });
      vi.setSystemTime(Date.now() + RECENT_MS - 1);
      expect((await instances.findForSend(ADMIN, linked.id)).status).toBe('connected');
      expect((await instances.findForSend(ADMIN, linked.name)).status).toBe('disconnected');
      vi.setSystemTime(Date.now() + 2);
      expect((await instances.findForSend(ADMIN, linked.id)).status).toBe('disconnected');
    } finally {
      vi.useRealTimers();
    }
  });

  it('forgets an instance its sessions write, at once', async () => {
    const { instances, recent } = service();
    const linked = await newInstance(true);
    await instances.findForSend(ADMIN, linked.id);
    await instances.findForSend(ADMIN, linked.name);
    await recent.watching(store.instances).update(linked.id, { status: 'logged_out', jid: null });
    expect((await instances.findForSend(ADMIN, linked.id)).status).toBe('logged_out');
    expect((await instances.findForSend(ADMIN, linked.name)).status).toBe('logged_out');
  });

  it('forgets an instance whose status event comes (a fleet’s API hears it from the event log)', async () => {
    const { instances, bus } = service();
    const linked = await newInstance(true);
    await instances.findForSend(ADMIN, linked.id);
    await store.instances.update(linked.id, { status: 'logged_out', jid: null });
    bus.emit({
      id: randomUUID(),
      event: 'instance.status',
      instance: { id: linked.id, name: linked.name },
      tenantId: null,
      timestamp: new Date().toISOString(),
      data: { status: 'logged_out', previous: 'connected' },
    });
    expect((await instances.findForSend(ADMIN, linked.id)).status).toBe('logged_out');
  });

  it('never keeps an instance that is not linked, so one just linked is seen linked', async () => {
    const { instances } = service();
    const unlinked = await newInstance(false);
    expect((await instances.findForSend(ADMIN, unlinked.id)).jid).toBeNull();
    await store.instances.update(unlinked.id, { status: 'connected', jid: '15550002222:1@s.whatsapp.net' });
    expect((await instances.findForSend(ADMIN, unlinked.id)).jid).toBe('15550002222:1@s.whatsapp.net');
  });

  it('keeps a copy per caller’s scope: another tenant still gets a 404', async () => {
    const { instances } = service();
    const owned = await newInstance(true, `t-${randomUUID()}`);
    await instances.findForSend(ADMIN, owned.id);
    await instances.findForSend({ kind: 'tenant', tenantId: owned.tenantId ?? '', keyId: 'k' }, owned.id);
    await expect(
      instances.findForSend({ kind: 'tenant', tenantId: 'someone-else', keyId: 'k' }, owned.id),
    ).rejects.toMatchObject({ code: 'ZG_ERR_NOT_FOUND' });
  });
});
