import type { ApiClient } from './http-client.ts';
import type { NamedValues } from './openapi-operations.ts';
import { type ApiOperation, fillPath, resourceOf, sampleValue } from './openapi-operations.ts';
import type { RawRequest } from './raw-http.ts';
import type { TenantWorld } from './tenant-world.ts';

/**
 * The tenant-isolation walk: every operation of the OpenAPI document, sent with tenant B's key
 * against tenant A's ids (in the path and in id-like body fields), with a body that passes
 * validation so that the request reaches the handler's tenant check.
 */
export interface WalkStep {
  label: string;
  request: RawRequest;
  /** The coded answer the step must get; `undefined` when any non-5xx will do (list routes). */
  expected?: { status: number; code: string };
}

/** Body values by field name: A's ids where a field holds one, plausible values elsewhere. */
export function namedValues(world: TenantWorld, ids: Record<string, string>): NamedValues {
  const phone = world.contact;
  const byName: Record<string, unknown> = {
    to: phone,
    phone,
    phoneNumber: phone,
    chat: phone,
    participants: [phone],
    numbers: [phone],
    mentions: [phone],
    instance: ids.instances,
    tenantId: ids.tenants,
    messageId: ids.messages,
    replyTo: ids.messages,
    messageIds: [ids.messages],
    url: world.receiver.url,
    text: 'walk text',
    template: 'walk {{who}}',
    events: ['message.received'],
    secret: 'walk-secret-0123',
    start: false,
    startAt: '2099-01-01T00:00:00.000Z',
  };
  return (name) => byName[name];
}

const isAdminOnly = (op: ApiOperation) => op.template.startsWith('/api/v1/tenants');

function step(op: ApiOperation, label: string, values: (param: string) => string, world: TenantWorld) {
  const path = fillPath(op, (param) => encodeURIComponent(values(param)));
  const query = new URLSearchParams();
  for (const q of op.query) if (q.required) query.set(q.name, String(sampleValue(q.schema)));
  const body = op.body ? JSON.stringify(sampleValue(op.body, namedValues(world, world.aIds))) : undefined;
  const request: RawRequest = {
    method: op.method,
    path: `${path}${query.size ? `?${query}` : ''}`,
    headers: {
      authorization: `Bearer ${world.b.key ?? ''}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body,
  };
  const expected =
    op.pathParams.length === 0
      ? undefined
      : isAdminOnly(op)
        ? { status: 403, code: 'ZG_ERR_FORBIDDEN' }
        : { status: 404, code: 'ZG_ERR_NOT_FOUND' };
  return { label: `${op.method} ${op.template} ${label}`, request, expected };
}

/**
 * A's id for each path parameter; for an instance, by id and by name; and, where a path holds an
 * instance and one of A's messages, B's own instance with A's message.
 */
export function walkSteps(operations: ApiOperation[], world: TenantWorld): WalkStep[] {
  // outside /api the operator's own routes (health, Prometheus) take no tenant key at all
  const tenantReachable = operations.filter((op) => op.template.startsWith('/api/'));
  const idOf = (op: ApiOperation, param: string) => {
    const resource = resourceOf(op.template, param);
    const id = world.aIds[resource];
    if (!id) throw new Error(`the walk has no id of tenant A for {${param}} of ${op.template} (${resource})`);
    return id;
  };
  return tenantReachable.flatMap((op) => {
    const steps = [step(op, "with A's ids", (p) => idOf(op, p), world)];
    const resources = op.pathParams.map((p) => resourceOf(op.template, p));
    if (resources[0] === 'instances' && !isAdminOnly(op))
      steps.push(
        step(
          op,
          "with A's instance name",
          (p) => (p === op.pathParams[0] ? world.aInstance.name : idOf(op, p)),
          world,
        ),
      );
    if (resources[0] === 'instances' && resources.includes('messages'))
      steps.push(
        step(
          op,
          "with B's instance and A's message",
          (p) => (p === op.pathParams[0] ? world.bInstance.id : idOf(op, p)),
          world,
        ),
      );
    return steps;
  });
}

/** Which of A's secrets an answer holds that its request did not carry itself. */
export function leaksIn(answerBody: string, request: RawRequest, secrets: string[]): string[] {
  const sent = decodeURIComponent(`${request.path}\n${request.body ?? ''}`);
  return secrets.filter((secret) => answerBody.includes(secret) && !sent.includes(secret));
}

/** Fields that move on their own (a heartbeat, a receipt); everything else of A must hold still. */
const MOVING = new Set([
  'updatedAt',
  'lastSeenAt',
  'heartbeatAt',
  'leaseUntil',
  'owner',
  'oldestQueuedAgeMs',
]);

const steady = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(steady);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !MOVING.has(key))
      .map(([key, v]) => [key, steady(v)]),
  );
};

/** What A can read of its own objects, by A's key, without the fields that move on their own. */
export async function snapshotOfA(world: TenantWorld): Promise<Record<string, unknown>> {
  const { a, admin, aIds } = world;
  const instance = `/api/v1/instances/${aIds.instances}`;
  const reads: Array<[string, ApiClient]> = [
    ['/api/v1/instances', a],
    [instance, a],
    [`${instance}/messages?limit=200`, a],
    [`${instance}/chats`, a],
    [`${instance}/contacts`, a],
    [`${instance}/profile`, a],
    [`${instance}/profile/privacy`, a],
    [`${instance}/groups/${encodeURIComponent(aIds.groups ?? '')}`, a],
    ['/api/v1/campaigns', a],
    ['/api/v1/webhooks', a],
    [`/api/v1/webhooks/${aIds.webhooks}/deliveries`, a],
    [`/api/v1/tenants/${aIds.tenants}/keys`, admin],
    ['/api/v1/queue', a],
  ];
  const snapshot: Record<string, unknown> = {};
  for (const [path, client] of reads) {
    const res = await client.get(path);
    snapshot[path] = { status: res.status, body: steady(res.body) };
  }
  return snapshot;
}
