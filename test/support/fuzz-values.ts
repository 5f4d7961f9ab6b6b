/**
 * The raw material of the fuzz: a seeded PRNG, and values that have broken HTTP services before
 * (prototype keys, template braces, NUL, long unicode, path climbing, numbers past a double).
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same requests. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  some<T>(items: readonly T[], count: number): T[] {
    return this.shuffle([...items]).slice(0, count);
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

export const HOSTILE_STRINGS: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '{{x}}',
  '{{constructor}}',
  '{{__proto__}}',
  '{{toString}}',
  'a\u0000b',
  '\u0000',
  '../../../../etc/passwd',
  '..\\..\\windows',
  "' OR 1=1 --",
  '"; DROP TABLE messages; --',
  '<script>alert(1)</script>',
  '$'.concat('{process.exit()}'),
  '%s%s%s%n',
  '\ud800',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '😀'.repeat(3000),
  'ü'.repeat(20_000),
  ' ',
  '',
  '-1',
  '1e309',
  'NaN',
  'null',
  'true',
  '15550001111@g.us',
  '15550001111@s.whatsapp.net/../..',
  'http://127.0.0.1:1/x',
];

/** JSON text that parses to numbers a handler may not expect: Infinity, -0, unsafe integers. */
export const HOSTILE_NUMBERS: readonly string[] = [
  '1e309',
  '-1e309',
  '-1',
  '0',
  '-0',
  '1.5',
  '1e-400',
  '9007199254740993',
  '-9223372036854775809',
  '1e21',
];

export const WRONG_TYPES: readonly unknown[] = [42, true, null, 'text', [], {}, [1, 'a'], { a: 1 }];

/** Path parameter spellings that climb, split or break the path; every one is already encoded. */
export const PATH_ATTACKS: readonly string[] = [
  '%2e%2e',
  '%2E%2E%2F%2E%2E%2Fhealth',
  '..%2F..%2Ftenants',
  '%2F',
  '%252F',
  '%252e%252e',
  '%25',
  '%ZZ',
  '%00',
  '%C0%AE%C0%AE',
  '%E2%80%AE',
  '__proto__',
  'constructor',
  '%7B%7Bx%7D%7D',
  encodeURIComponent("' OR 1=1 --"),
  encodeURIComponent('ü'.repeat(300)),
  'x'.repeat(4000),
  '-1',
  '1e309',
  'NaN',
  '00000000-0000-0000-0000-000000000000',
  '%20',
];

const RAW = '\u0001raw:';
/** A JSON string holding this is replaced by the raw text in the body (numbers JSON allows). */
export const raw = (text: string) => `${RAW}${text}`;
export const toJson = (value: unknown) =>
  JSON.stringify(value).replace(/"\\u0001raw:([^"]*)"/g, (_, text: string) => text);
