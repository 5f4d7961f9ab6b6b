import { describe, expect, it } from 'vitest';
import { newRowId, newWaMessageId } from './ids.ts';

describe('ids', () => {
  it('row ids are version 7 UUIDs that sort by the time they were made, none twice', async () => {
    const first = Array.from({ length: 3000 }, newRowId);
    await new Promise((r) => setTimeout(r, 5));
    const later = newRowId();
    for (const id of first)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(new Set(first).size).toBe(first.length);
    expect(first.every((id) => id < later)).toBe(true);
    expect(Number.parseInt(later.replace('-', '').slice(0, 12), 16)).toBeGreaterThanOrEqual(
      Date.now() - 1000,
    );
  });

  it('WhatsApp ids have the shape Baileys makes them in, none twice across refills of the random pool', () => {
    const ids = Array.from({ length: 2000 }, newWaMessageId);
    for (const id of ids) expect(id).toMatch(/^3EB0[0-9A-F]{36}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('WhatsApp ids start with the time, so later ones sort after earlier ones', async () => {
    const before = Date.now();
    const first = Array.from({ length: 500 }, newWaMessageId);
    await new Promise((r) => setTimeout(r, 5));
    const later = newWaMessageId();
    expect(first.every((id) => id < later)).toBe(true);
    const stamp = Number.parseInt((first[0] ?? '').slice(4, 16), 16);
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(Date.now());
  });
});
