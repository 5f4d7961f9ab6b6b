import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_CONTACTS, DEMO_PHONE, quickStart } from './demo.ts';

const facts = {
  url: 'http://0.0.0.0:3000',
  simulatorUrl: 'http://127.0.0.1:40123',
  dataDir: '/srv/zapgate/data/sandbox',
  keyFromEnvironment: false,
};

describe('the sandbox quick start', () => {
  it('fills in KEY (from its file, never the key itself), GW (callable) and SIM', () => {
    const lines = quickStart(facts);
    expect(lines[1]).toBe(
      "  KEY=$(cat '/srv/zapgate/data/sandbox/admin-api-key'); GW=http://localhost:3000/api/v1; SIM=http://127.0.0.1:40123",
    );
    expect(quickStart({ ...facts, keyFromEnvironment: true })[1]).toContain('KEY="$API_KEY"');
    const text = lines.join('\n');
    expect(text).toContain(DEMO_PHONE.phone);
    for (const contact of DEMO_CONTACTS) expect(text).toContain(contact.phone);
  });

  it('is, command for command, the one the README shows', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    const block = /```sh\nKEY=\$\(cat \.\/data\/sandbox\/admin-api-key\)[^\n]*\n([\s\S]*?)```/.exec(
      readme,
    )?.[1];
    expect(block, 'the sandbox block in README.md').toBeDefined();
    const printed = quickStart(facts)
      .slice(2)
      .map((line) => line.trim());
    expect(block?.trim().split('\n')).toEqual(printed);
  });
});
