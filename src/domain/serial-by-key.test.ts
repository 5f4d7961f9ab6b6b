import { describe, expect, it } from 'vitest';
import { SerialByKey } from './serial-by-key.ts';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('SerialByKey', () => {
  it('runs one key in the order asked, even when earlier work is slower', async () => {
    const serial = new SerialByKey();
    const done: string[] = [];
    const errors: unknown[] = [];
    serial.run(
      'a',
      async () => {
        await tick(30);
        done.push('a1');
      },
      (e) => errors.push(e),
    );
    serial.run(
      'a',
      async () => {
        throw new Error('a2 failed');
      },
      (e) => errors.push(e),
    );
    serial.run(
      'a',
      async () => {
        done.push('a3');
      },
      (e) => errors.push(e),
    );
    serial.run(
      'b',
      async () => {
        done.push('b1');
      },
      (e) => errors.push(e),
    );
    await serial.idle('a');
    expect(done).toEqual(['b1', 'a1', 'a3']);
    expect(errors).toHaveLength(1);
    await expect(serial.idle('unknown')).resolves.toBeUndefined();
  });
});
