import { isAbsolute, join, resolve } from 'node:path';
import type { DemoContact } from './sandbox-link.ts';

/** The simulator's phone that instances link to, and the contacts the quick start texts. */
export const DEMO_PHONE = { phone: '15550001111', name: 'Sandbox phone' };
export const DEMO_CONTACTS: readonly DemoContact[] = [
  { phone: '15550002222', name: 'Ana' },
  { phone: '15550003333', name: 'Bruno' },
];
export const DEMO_INSTANCE = 'demo';

/** The few simulator calls the demo needs; each create throws with `status` 409 when the phone is taken. */
export interface DemoSimulator {
  createAccount(input: { phone: string; name: string }): unknown;
  createContact(input: { phone: string; name: string }): unknown;
}

const taken = (err: unknown) => (err as { status?: unknown } | null)?.status === 409;

/** Creates the demo phone and contacts unless an earlier start (kept in the state directory) did. */
export function seedDemo(sim: DemoSimulator): void {
  for (const create of [
    () => sim.createAccount(DEMO_PHONE),
    ...DEMO_CONTACTS.map((c) => () => sim.createContact(c)),
  ]) {
    try {
      create();
    } catch (err) {
      if (!taken(err)) throw err;
    }
  }
}

export interface QuickStartFacts {
  /** The gateway's base URL, as printed on start. */
  url: string;
  simulatorUrl: string;
  dataDir: string;
  /** The admin key came from API_KEY: it is the operator's, and no file holds it. */
  keyFromEnvironment: boolean;
}

/** `localhost` instead of an address that listens on every interface but cannot be called. */
const callable = (url: string) => url.replace(/\/\/(0\.0\.0\.0|\[::\])(:|\/|$)/, '//localhost$2');

/**
 * Copy-paste commands, with KEY, GW and SIM filled in: create an instance, link it with the
 * simulator's phone, text a demo contact and see it arrive. The key itself is never printed:
 * it is read from its file (or is the operator's own API_KEY).
 */
export function quickStart(facts: QuickStartFacts): string[] {
  const keyFile = join(isAbsolute(facts.dataDir) ? facts.dataDir : resolve(facts.dataDir), 'admin-api-key');
  const key = facts.keyFromEnvironment ? '"$API_KEY"' : `$(cat '${keyFile}')`;
  const [ana] = DEMO_CONTACTS;
  const auth = '-H "Authorization: Bearer $KEY"';
  const json = "-H 'content-type: application/json'";
  return [
    `Sandbox quick start: the simulator's phone ${DEMO_PHONE.phone} and demo contacts ${DEMO_CONTACTS.map((c) => `${c.phone} (${c.name})`).join(', ')} are ready. Copy and paste:`,
    `  KEY=${key}; GW=${callable(facts.url)}/api/v1; SIM=${facts.simulatorUrl}`,
    '  # 1. create an instance (it starts connecting and shows a QR code; kept linked across restarts)',
    `  curl -s -XPOST $GW/instances ${auth} ${json} -d '{"name":"${DEMO_INSTANCE}"}'`,
    "  # 2. link it: the simulator's phone scans its QR code (answers once connected)",
    `  curl -s -XPOST $GW/instances/${DEMO_INSTANCE}/sandbox-scan ${auth}`,
    `  # 3. text the demo contact ${ana?.name} (?wait=sent: answers once WhatsApp took it)`,
    `  curl -s -XPOST "$GW/instances/${DEMO_INSTANCE}/messages?wait=sent" ${auth} ${json} -d '{"to":"${ana?.phone}","type":"text","text":"Hello from the sandbox"}'`,
    '  # 4. see it arrive on their side',
    `  curl -s $SIM/contacts/${ana?.phone}/messages`,
  ];
}
