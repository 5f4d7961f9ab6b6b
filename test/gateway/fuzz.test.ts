import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningSimulator, startSimulator } from '../../sim/simulator.ts';
import { describeExchange, problemsWith } from '../support/answer-checks.ts';
import { ADMIN_KEY, GatewayProcess, PACING_OFF, waitForStatus } from '../support/gateway-harness.ts';
import { leaksIn, namedValues, snapshotOfA, walkSteps } from '../support/isolation-walk.ts';
import { type FuzzRequest, fuzzRequests } from '../support/openapi-fuzz.ts';
import { type OpenApiDocument, operationsOf } from '../support/openapi-operations.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';
import { inParallel, type RawAnswer, RawHttp } from '../support/raw-http.ts';
import { buildTenantWorld, type TenantWorld } from '../support/tenant-world.ts';

// FUZZ_SEED reproduces a run; FUZZ_REQUESTS runs longer ones (the default keeps npm test quick);
// FUZZ_GATEWAY_LOG=<path> keeps the gateway's output in <path>.sqlite and <path>.postgres
const SEED = Number(process.env.FUZZ_SEED ?? 20_261_201);
const MAX_REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2_000);
const REQUEST_TIMEOUT_MS = 15_000;
const MAX_REPORTED = 25;

// The two databases' suites run side by side (each its own simulator and gateway); within each,
// the tests run in order.
for (const database of ['sqlite', 'postgres'] as const) {
  describe.concurrent(`every route of the OpenAPI document, on ${database}`, () => {
    let sim: RunningSimulator;
    let pg: TestPostgres | undefined;
    let gw: GatewayProcess;
    let world: TenantWorld;
    let http: RawHttp;
    let doc: OpenApiDocument;
    let output = '';

    beforeAll(async () => {
      sim = await startSimulator();
      pg = database === 'postgres' ? await startTestPostgres() : undefined;
      gw = new GatewayProcess({
        sim: sim.info,
        ...(pg ? { databaseUrl: pg.url } : {}),
        env: {
          ...PACING_OFF,
          // thousands of requests from one address, most of them with a wrong or missing key
          RATE_LIMIT_PER_MINUTE: '0',
          AUTH_FAILURES_PER_MINUTE: '0',
          ALLOW_PRIVATE_URLS: '1',
          MAX_INSTANCES: '12',
          LOG_LEVEL: 'warn',
        },
      });
      await gw.start();
      const keep = (chunk: Buffer) => {
        output += chunk.toString();
      };
      gw.child?.stdout?.on('data', keep);
      gw.child?.stderr?.on('data', keep);
      world = await buildTenantWorld(gw, sim);
      http = new RawHttp(gw.port, REQUEST_TIMEOUT_MS);
      doc = (await gw.api.get<OpenApiDocument>('/docs/json')).body;
    });
    afterAll(async () => {
      if (process.env.FUZZ_GATEWAY_LOG) writeFileSync(`${process.env.FUZZ_GATEWAY_LOG}.${database}`, output);
      http?.close();
      await world?.receiver.close();
      await gw?.dispose();
      await pg?.stop();
      await sim?.close();
    });

    it.sequential("gives tenant B a 404 on every route with tenant A's ids, no data of A, and changes nothing of A", async () => {
      const before = await snapshotOfA(world);
      const steps = walkSteps(operationsOf(doc), world);
      const failures: string[] = [];
      for (const step of steps) {
        const answer = await http.send(step.request).catch((err: Error) => err);
        const wrong =
          answer instanceof Error
            ? [answer.message]
            : [
                ...problemsWith(step.request, answer),
                ...leaksIn(answer.body, step.request, world.aSecrets).map((s) => `leaks A's ${s}`),
                ...(step.expected && !matches(answer, step.expected)
                  ? [`expected ${step.expected.status} ${step.expected.code}`]
                  : []),
              ];
        if (wrong.length)
          failures.push(
            `${wrong.join('; ')}\n${describeExchange({ ...step.request, label: step.label }, answer)}`,
          );
      }
      expect(failures.slice(0, MAX_REPORTED).join('\n\n')).toBe('');
      expect(steps.length).toBeGreaterThan(80);
      expect(await snapshotOfA(world)).toEqual(before);
    });

    it.sequential('answers what the fuzz once broke with coded 4xx', async () => {
      const instance = `/api/v1/instances/${world.aIds.instances}`;
      const json = { 'content-type': 'application/json', authorization: `Bearer ${world.a.key}` };
      const cases: Array<[string, string, string | undefined, number, string, string?]> = [
        // libvips could not read it: a 500 from sharp
        [
          'PUT',
          `${instance}/profile/picture`,
          '{"base64":"iVBORw0KGgoAAAANSUhEUg=="}',
          400,
          'ZG_ERR_VALIDATION',
        ],
        // typing without a chat: a TypeError inside Baileys
        ['POST', `${instance}/presence`, '{"state":"composing"}', 400, 'ZG_ERR_VALIDATION'],
        ['POST', `${instance}/presence`, '{"chat":null,"state":"recording"}', 400, 'ZG_ERR_VALIDATION'],
        // PostgreSQL cannot store U+0000 in text: a 500 from the driver
        ['GET', '/api/v1/instances/%00', undefined, 400, 'ZG_ERR_VALIDATION'],
        ['GET', `${instance}/messages?chat=1555%00`, undefined, 400, 'ZG_ERR_VALIDATION'],
        [
          'POST',
          `${instance}/campaigns`,
          `{"template":"a\\u0000b","recipients":[{"to":"${world.contact}"}]}`,
          400,
          'ZG_ERR_VALIDATION',
        ],
        [
          'POST',
          `${instance}/messages`,
          multipartWithNul(world.contact),
          400,
          'ZG_ERR_VALIDATION',
          'multipart/form-data; boundary=b',
        ],
        // cursors that decode to a NUL (base64url of '"\0', and a chat cursor with one in its jid)
        ['GET', `${instance}/contacts?cursor=IgA`, undefined, 400, 'ZG_ERR_VALIDATION'],
        ['GET', `${instance}/chats?cursor=WzAsImFcdTAwMDAiXQ`, undefined, 400, 'ZG_ERR_VALIDATION'],
        // an integer to Ajv, out of range for PostgreSQL's bigint
        ['GET', `${instance}/logs?before=1e21`, undefined, 400, 'ZG_ERR_VALIDATION'],
        // answered by Fastify's router and Node's parser without the coded body
        ['GET', '/api/v1/instances/%ZZ', undefined, 400, 'ZG_ERR_BAD_URL'],
        ['POST', `/api/v1/instances/${'x'.repeat(4000)}/pairing-code`, '{}', 414, 'ZG_ERR_URL_TOO_LONG'],
        ['GET', `/api/v1/instances?pad=${'x'.repeat(20_000)}`, undefined, 431, 'ZG_ERR_HEADERS_TOO_LARGE'],
      ];
      for (const [method, path, body, status, code, type] of cases) {
        const headers = type ? { ...json, 'content-type': type } : json;
        const answer = await http.send({ method, path, headers, body });
        expect(`${answer.status} ${answer.body}`, `${method} ${path.slice(0, 80)}`).toMatch(
          new RegExp(`^${status} .*"code":"${code}"`),
        );
      }
      // editing, revoking and read marks said 503 while the number was offline, unlike every other live route
      expect((await world.a.post(`${instance}/stop`)).status).toBe(200);
      const offline = await world.a.patch<Coded>(`${instance}/messages/${world.aIds.messages}`, {
        text: 'x',
      });
      expect([offline.status, offline.body.error.code]).toEqual([409, 'ZG_ERR_NOT_CONNECTED']);
      expect((await world.a.post(`${instance}/start`)).status).toBe(200);
      await waitForStatus(world.a, world.aIds.instances ?? '', 'connected');
    });

    it.sequential(`answers up to ${MAX_REQUESTS} fuzzed requests (seed ${SEED}) without a 5xx, a hang, a stack trace or a crash`, async () => {
      const operations = operationsOf(doc);
      const requests = fuzzRequests(
        operations,
        {
          idFor: (resource) => world.aIds[resource] ?? 'fuzz-unknown-id',
          named: namedValues(world, world.aIds),
        },
        { seed: SEED, maxRequests: MAX_REQUESTS },
      );
      const keys = { admin: ADMIN_KEY, tenant: world.a.key ?? '', none: '' };
      const failures: string[] = [];
      const statuses = new Set<number>();
      const exchange = async (req: FuzzRequest) => {
        const key = keys[req.key];
        const sent = {
          ...req,
          headers: { ...req.headers, ...(key ? { authorization: `Bearer ${key}` } : {}) },
        };
        const answer = await http.send(sent).catch((err: Error) => err);
        if (!(answer instanceof Error)) statuses.add(answer.status);
        const wrong = fuzzProblems(sent, answer);
        if (wrong.length)
          failures.push(`${wrong.join('; ')} (seed ${SEED})\n${describeExchange(sent, answer)}`);
      };
      await inParallel(
        requests.filter((r) => !r.late),
        4,
        exchange,
      );
      // one at a time: a request on the number while another restarts it waits out Baileys' query timeout
      await inParallel(
        requests.filter((r) => r.late),
        1,
        exchange,
      );
      expect(failures.slice(0, MAX_REPORTED).join('\n\n'), `${failures.length} failures`).toBe('');
      expect(requests.length).toBeGreaterThan(operations.length * 3);
      // the gateway is still there, healthy, and never logged a crash on the way
      expect(gw.child?.exitCode).toBeNull();
      expect((await gw.api.get('/health')).status).toBe(200);
      expect(output).not.toMatch(/uncaught|unhandled/i);
      // most requests were refused, but some went through to the handlers
      expect([...statuses].some((s) => s < 300)).toBe(true);
    }, 180_000);
  });
}

const BODY_LIMIT = 1024 * 1024;

/** What the fuzz holds against an answer; a body past the limit may be cut off mid-upload. */
function fuzzProblems(req: FuzzRequest, answer: RawAnswer | Error): string[] {
  if (answer instanceof Error) {
    const cut = /EPIPE|ECONNRESET/.test(answer.message) && (req.body?.length ?? 0) > BODY_LIMIT;
    return cut ? [] : [answer.message];
  }
  return problemsWith(req, answer);
}

type Coded = { error: { code: string } };

/** A media send as a multipart form whose caption holds a NUL. */
const multipartWithNul = (to: string) =>
  [
    ['to', to],
    ['type', 'image'],
    ['caption', 'a\u0000b'],
  ]
    .map(([name, value]) => `--b\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
    .join('') +
  '--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\npng\r\n--b--\r\n';

const matches = (answer: RawAnswer, expected: { status: number; code: string }) =>
  answer.status === expected.status && answer.body.includes(`"${expected.code}"`);
