import { expect, it } from 'vitest';
import type { ContractContext } from './fixture.ts';
import { unique } from './fixture.ts';
import { inbound, newMessage } from './message-fixture.ts';

const HOUR = 3_600_000;

/** What GET /metrics reads of recent traffic: failures of the last day and the newest rows. */
export function messageRecentContract(ctx: () => ContractContext): void {
  it('counts the rows created since a time that ended failed, by tenant or instance', async () => {
    const { messages } = ctx().store;
    const tenantId = unique('t');
    const instanceId = unique('inst');
    const now = Date.now();
    const rows = [
      newMessage({ tenantId, instanceId, status: 'failed', createdAt: new Date(now - HOUR) }),
      newMessage({ tenantId, instanceId, status: 'failed', createdAt: new Date(now - 30 * HOUR) }),
      newMessage({ tenantId, instanceId, status: 'queued', createdAt: new Date(now - HOUR) }),
      newMessage({ tenantId, instanceId: unique('other'), status: 'failed', createdAt: new Date(now) }),
      newMessage({ tenantId: unique('t2'), status: 'failed', createdAt: new Date(now) }),
    ];
    for (const row of rows) await messages.insert(row);
    const since = new Date(now - 24 * HOUR);
    expect(await messages.countFailedSince({ tenantId }, since)).toBe(2);
    expect(await messages.countFailedSince({ instanceId }, since)).toBe(1);
    expect(await messages.countFailedSince({ tenantId }, new Date(now - 48 * HOUR))).toBe(3);
    expect(await messages.countFailedSince({ tenantId: unique('nobody') }, since)).toBe(0);
  });

  it('lists the newest rows of either direction, newest first, within a scope and a limit', async () => {
    const { messages } = ctx().store;
    const tenantId = unique('t');
    const base = Date.now() + 10 * HOUR;
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const row =
        i % 2 === 0
          ? newMessage({ tenantId, createdAt: new Date(base + i * 1_000) })
          : inbound({ tenantId, createdAt: new Date(base + i * 1_000) });
      await messages.insert(row);
      ids.push(row.id);
    }
    await messages.insert(newMessage({ tenantId: unique('t2'), createdAt: new Date(base + 9_000) }));
    const latest = await messages.latest({ tenantId }, 3);
    expect(latest.map((m) => m.id)).toEqual([ids[3], ids[2], ids[1]]);
    expect(latest.map((m) => m.direction)).toEqual(['inbound', 'outbound', 'inbound']);
    expect((await messages.latest({ tenantId }, 10)).map((m) => m.id)).toEqual([...ids].reverse());
    expect(await messages.latest({ tenantId: unique('nobody') }, 10)).toEqual([]);
  });
}
