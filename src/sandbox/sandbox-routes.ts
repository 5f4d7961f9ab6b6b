import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Instance } from '../domain/instance.ts';
import type { Principal } from '../domain/tenant.ts';
import { Errors } from '../errors.ts';
import type { EventBus } from '../events/event-bus.ts';
import { errorResponses, IdParam } from '../http/schemas.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import { type SandboxLink, SandboxScanError } from './sandbox-link.ts';

const tags = ['sandbox'];
/** How long a scan waits for the QR code to appear, then for the link to connect. */
const WAIT_MS = 20_000;
const PHONE = Type.String({ pattern: '^[1-9][0-9]{6,14}$', examples: ['15550001111'] });

const SandboxInfo = Type.Object(
  {
    sandbox: Type.Literal(true),
    phone: PHONE,
    contacts: Type.Array(Type.Object({ phone: PHONE, name: Type.String() })),
    simulatorUrl: Type.String(),
  },
  {
    examples: [
      {
        sandbox: true,
        phone: '15550001111',
        contacts: [{ phone: '15550002222', name: 'Ana' }],
        simulatorUrl: 'http://127.0.0.1:40123',
      },
    ],
  },
);

const ScanBody = Type.Object(
  {
    phone: Type.Optional({
      ...PHONE,
      description: "the simulated phone that scans (the sandbox's own by default)",
    }),
  },
  { additionalProperties: false, examples: [{}, { phone: '15550001111' }] },
);

const ScanResult = Type.Object(
  { phone: PHONE, device: Type.Integer({ minimum: 1 }), status: Type.String() },
  { examples: [{ phone: '15550001111', device: 1, status: 'connected' }] },
);

/** Resolves with the instance once `ready` holds, re-read on each of its events; null after `ms`. */
async function waitFor(
  instances: InstanceService,
  bus: EventBus,
  principal: Principal,
  id: string,
  ready: (i: Instance) => boolean,
): Promise<Instance | null> {
  let wake = () => {};
  const unsubscribe = bus.subscribe((e) => {
    if (e.instance.id === id) wake();
  });
  const deadline = Date.now() + WAIT_MS;
  try {
    for (;;) {
      const woken = new Promise<void>((r) => {
        wake = r;
      });
      const instance = await instances.find(principal, id);
      if (ready(instance)) return instance;
      const left = deadline - Date.now();
      if (left <= 0) return null;
      let timer: NodeJS.Timeout | undefined;
      // events wake it at once; the short tick covers a change that emitted none
      await Promise.race([woken, new Promise((r) => (timer = setTimeout(r, Math.min(left, 1_000))))]);
      clearTimeout(timer);
    }
  } finally {
    unsubscribe();
  }
}

const showsQr = (i: Instance) => i.status === 'qr' && i.qr !== null;

/** Waits for the instance's QR code, has the simulated `phone` scan it, then waits for the link. */
async function scanWithSimulator(
  deps: { instances: InstanceService; bus: EventBus; link: SandboxLink },
  principal: Principal,
  idOrName: string,
  phone: string,
) {
  const { instances, bus, link } = deps;
  const found = await instances.find(principal, idOrName);
  if (found.status === 'connected') throw Errors.alreadyConnected(found.name);
  if (found.status === 'stopped' || found.status === 'failed' || found.status === 'logged_out')
    throw Errors.conflict(`instance ${found.name} is ${found.status}: start it to get a QR code`);
  const shown = await waitFor(instances, bus, principal, found.id, showsQr);
  if (!shown?.qr) throw Errors.timeout(`a QR code on instance ${found.name}`);
  let linked: { phone: string; device: number };
  try {
    linked = link.scanQr(phone, shown.qr);
  } catch (err) {
    if (err instanceof SandboxScanError) throw Errors.conflict(err.message);
    throw err;
  }
  const connected = await waitFor(instances, bus, principal, found.id, (i) => i.status === 'connected');
  return { ...linked, status: connected?.status ?? (await instances.find(principal, found.id)).status };
}

/**
 * Sandbox mode only: what the dashboard and the printed quick start need to link an instance with
 * the simulator's phone, without a camera. Registered by the composition root only with a `SandboxLink`.
 */
export const sandboxRoutes =
  (instances: InstanceService, bus: EventBus, link: SandboxLink): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/sandbox',
      {
        schema: {
          tags,
          summary: "Sandbox mode: the simulator's phone and demo contacts (404 outside the sandbox)",
          response: { 200: SandboxInfo, ...errorResponses },
        },
      },
      async () => ({
        sandbox: true as const,
        phone: link.demo.phone,
        contacts: link.demo.contacts,
        simulatorUrl: link.simulatorUrl,
      }),
    );

    app.post(
      '/instances/:id/sandbox-scan',
      {
        schema: {
          tags,
          summary: "Sandbox mode: the simulator's phone scans the instance's QR code; answers once connected",
          params: IdParam,
          body: Type.Optional(ScanBody),
          response: {
            200: ScanResult,
            409: errorResponses[400],
            504: errorResponses[400],
            ...errorResponses,
          },
        },
      },
      async (request) =>
        scanWithSimulator(
          { instances, bus, link },
          request.principal,
          request.params.id,
          request.body?.phone ?? link.demo.phone,
        ),
    );
  };
