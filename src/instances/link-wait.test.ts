import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance, InstanceStatus } from '../domain/instance.ts';
import { ZapgateError } from '../errors.ts';
import { EventBus } from '../events/event-bus.ts';
import type { GatewayEvent } from '../events/event-map.ts';
import { openStore } from '../store/database.ts';
import type { Store } from '../store/repositories.ts';
import { LinkWait } from './link-wait.ts';

let dir: string;
let store: Store;
const bus = new EventBus();
const ADMIN = { kind: 'admin' } as const;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zg-link-wait-'));
  store = await openStore(`sqlite://${dir}/link-wait.db`);
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const linkWait = () =>
  new LinkWait(bus, {
    find: async (_principal, id) => {
      const found = await store.instances.get(id);
      if (!found) throw new Error(`no instance ${id}`);
      return found;
    },
  });

const newInstance = (status: InstanceStatus) =>
  store.instances
    .create({
      id: randomUUID(),
      tenantId: null,
      name: `link-${randomUUID()}`,
      desiredState: 'running',
      settings: {},
    })
    .then((created) => store.instances.update(created.id, { status }).then(() => created));

const statusEvent = (instance: Instance, status: InstanceStatus, previous: InstanceStatus): GatewayEvent => ({
  id: randomUUID(),
  event: 'instance.status',
  instance: { id: instance.id, name: instance.name },
  tenantId: null,
  timestamp: new Date().toISOString(),
  data: { status, previous },
});

const qrEvent = (instance: Instance, qr: string): GatewayEvent => ({
  id: randomUUID(),
  event: 'instance.qr',
  instance: { id: instance.id, name: instance.name },
  tenantId: null,
  timestamp: new Date().toISOString(),
  data: { qr },
});

describe('LinkWait', () => {
  it('passes over a dead end the row has moved on from (an event from before the start, handed over late)', async () => {
    const instance = await newInstance('logged_out');
    const waited = linkWait().around(
      ADMIN,
      async () => {
        await store.instances.update(instance.id, { status: 'connecting' });
        // a fleet's event tail hands over the logout's status only now, after the start
        bus.emit(statusEvent(instance, 'logged_out', 'connected'));
        setTimeout(() => bus.emit(qrEvent(instance, 'qr-after-start')), 20);
        return instance;
      },
      5_000,
    );
    const { link } = await waited;
    expect(link).toMatchObject({ outcome: 'qr', qr: 'qr-after-start' });
  });

  it('ends at a dead end the row confirms', async () => {
    const instance = await newInstance('disconnected');
    const waited = linkWait().around(
      ADMIN,
      async () => {
        setTimeout(() => {
          void store.instances
            .update(instance.id, { status: 'failed', lastError: 'the server refused the link' })
            .then(() => bus.emit(statusEvent(instance, 'failed', 'connecting')));
        }, 20);
        return instance;
      },
      5_000,
    );
    const error = await waited.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ZapgateError);
    expect(error).toMatchObject({ code: 'ZG_ERR_LINK_ENDED', statusCode: 409 });
  });
});
