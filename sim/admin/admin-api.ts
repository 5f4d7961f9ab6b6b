import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { badInput, notFound } from '../errors.ts';
import { FAULT_KINDS, type FaultKind, type SimulatorApi } from '../simulator-api.ts';
import { groupAdminRoutes } from './group-routes.ts';
import { optionalString, readJson, requiredString, sendError, sendJson } from './http-json.ts';
import { phoneChatRoutes } from './phone-chat-routes.ts';
import { profileRoutes } from './profile-routes.ts';
import { statusRoutes } from './status-routes.ts';

export type Handler = (params: string[], body: Record<string, unknown>) => Promise<unknown> | unknown;
export interface Route {
  method: string;
  pattern: RegExp;
  handler: Handler;
  status?: number;
}

const RECEIPT_TYPES = ['delivered', 'read', 'played'] as const;

function optionalDevice(body: Record<string, unknown>): number | undefined {
  const d = body.device;
  if (d === undefined || d === null) return undefined;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1)
    throw badInput('device must be a positive integer');
  return d;
}

function routes(api: SimulatorApi, info: () => unknown): Route[] {
  const phone = '([0-9]{5,16})';
  return [
    { method: 'GET', pattern: /^\/info$/, handler: () => info() },
    {
      method: 'POST',
      pattern: /^\/accounts$/,
      status: 201,
      handler: (_, b) =>
        api.createAccount({ phone: optionalString(b, 'phone'), name: optionalString(b, 'name') }),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/accounts/${phone}/link-qr$`),
      handler: ([p], b) => api.linkQr(p ?? '', requiredString(b, 'qr')),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/accounts/${phone}/link-code$`),
      handler: ([p], b) => api.linkCode(p ?? '', requiredString(b, 'code')),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/accounts/${phone}/devices$`),
      handler: ([p]) => api.devices(p ?? ''),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/accounts/${phone}/trust-tokens$`),
      handler: ([p]) => api.trustTokens(p ?? ''),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/accounts/${phone}/logout$`),
      handler: ([p], b) => api.logout(p ?? '', optionalDevice(b)),
    },
    {
      method: 'POST',
      pattern: /^\/contacts$/,
      status: 201,
      handler: (_, b) =>
        api.createContact({ phone: optionalString(b, 'phone'), name: optionalString(b, 'name') }),
    },
    {
      method: 'PATCH',
      pattern: new RegExp(`^/contacts/${phone}$`),
      handler: ([p], b) => api.renameContact(p ?? '', requiredString(b, 'name')),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/contacts/${phone}/messages$`),
      status: 201,
      handler: ([p], b) => api.contactSend(p ?? '', b),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/contacts/${phone}/messages$`),
      handler: ([p]) => api.contactInbox(p ?? ''),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/contacts/${phone}/receipts$`),
      handler: ([p], b) => {
        const ids = b.ids;
        if (!Array.isArray(ids) || ids.length === 0 || !ids.every((x) => typeof x === 'string' && x)) {
          throw badInput('ids must be a non-empty array of message ids');
        }
        const type = b.type ?? 'read';
        if (!RECEIPT_TYPES.includes(type as (typeof RECEIPT_TYPES)[number]))
          throw badInput('type must be delivered, read or played');
        api.contactReceipt(p ?? '', {
          from: requiredString(b, 'from'),
          ids,
          type: type as (typeof RECEIPT_TYPES)[number],
        });
        return { ok: true };
      },
    },
    {
      method: 'POST',
      pattern: /^\/faults$/,
      handler: (_, b) => {
        const kind = requiredString(b, 'kind');
        if (!FAULT_KINDS.includes(kind as FaultKind))
          throw badInput(`kind must be one of ${FAULT_KINDS.join(', ')}`);
        const code = b.code;
        if (code !== undefined && (typeof code !== 'number' || !Number.isInteger(code)))
          throw badInput('code must be an integer');
        return api.fault({
          phone: requiredString(b, 'phone'),
          device: optionalDevice(b),
          kind: kind as FaultKind,
          code,
        });
      },
    },
    ...profileRoutes(api),
    ...groupAdminRoutes(api),
    ...statusRoutes(api),
    ...phoneChatRoutes(api),
  ];
}

/** The admin HTTP API: JSON in, JSON out; bad input is a 400, an unknown phone a 404. */
export function createAdminServer(
  api: SimulatorApi,
  info: () => unknown,
  onError: (err: unknown) => void,
): Server {
  const table = routes(api, info);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void handle(req, res, table).catch((err) => sendError(res, err, onError));
  });
  // Node closes a keep-alive connection idle for 5 s. A load generator that pauses longer (its own
  // event loop busy, or set-up between two calls) sent its next request just as the server closed
  // the connection under it: bench/webhook-latency failed with "other side closed".
  server.keepAliveTimeout = 60_000;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, table: Route[]): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://sim').pathname;
  const matches = table.map((r) => ({ r, m: r.pattern.exec(path) })).filter((x) => x.m);
  const hit = matches.find((x) => x.r.method === req.method);
  if (!hit?.m) {
    if (matches.length) return sendJson(res, 405, { error: `method ${req.method} not allowed on ${path}` });
    throw notFound(`no route ${req.method} ${path}`);
  }
  const body = req.method === 'POST' || req.method === 'PATCH' ? await readJson(req) : {};
  const result = await hit.r.handler(hit.m.slice(1), body);
  sendJson(res, hit.r.status ?? 200, result ?? { ok: true });
}
