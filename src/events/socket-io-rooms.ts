import type { Socket } from 'socket.io';
import type { Instance } from '../domain/instance.ts';
import type { Principal } from '../domain/tenant.ts';
import { Errors, ZapgateError } from '../errors.ts';
import type { InstanceService } from '../instances/instance-service.ts';
import type { Logger } from '../observability/logger.ts';

export const ADMIN_ROOM = 'scope:admin';
export const tenantRoom = (id: string) => `scope:tenant:${id}`;
export const instanceRoom = (id: string) => `instance:${id}`;

/** At most this many instances in one subscribe or unsubscribe. */
export const MAX_INSTANCES_PER_REQUEST = 100;

type CodedError = { code: string; message: string };
export type SubscriptionAck =
  | {
      /** The instances this request joined (subscribe) or left (unsubscribe). */
      changed: Array<{ id: string; name: string }>;
      /** The references this key (or this bound socket) may not have, with why; never joined. */
      refused: Array<{ instance: string; error: CodedError }>;
      /** Every instance the socket is subscribed to now, by id. */
      subscriptions: string[];
    }
  | { error: CodedError };

/** What a socket may see: its key, and the one instance of `auth.instance` when it gave one. */
export interface SocketScope {
  principal: Principal;
  boundInstance?: Instance;
}

/** The room a socket sits in until it first subscribes: everything its key (or bound instance) may see. */
export function defaultRoomOf({ principal, boundInstance }: SocketScope): string {
  if (boundInstance) return instanceRoom(boundInstance.id);
  return principal.kind === 'admin' ? ADMIN_ROOM : tenantRoom(principal.tenantId);
}

function requestedInstances(payload: unknown): string[] {
  const list = (payload as { instances?: unknown } | null)?.instances;
  const valid =
    Array.isArray(list) &&
    list.length > 0 &&
    list.length <= MAX_INSTANCES_PER_REQUEST &&
    list.every((ref) => typeof ref === 'string' && ref.length > 0 && ref.length <= 200);
  if (!valid)
    throw Errors.validation(
      `expected { instances: [id or name, …] } with 1 to ${MAX_INSTANCES_PER_REQUEST} non-empty strings`,
    );
  return [...new Set(list as string[])];
}

const codedOf = (err: unknown): CodedError =>
  err instanceof ZapgateError
    ? { code: err.code, message: err.message }
    : { code: 'ZG_ERR_INTERNAL', message: 'the instance could not be looked up' };

/**
 * `subscribe` / `unsubscribe` on a socket: `socket.emit('subscribe', { instances: [...] }, ack)`.
 * A socket that never subscribes keeps its default room (every instance its key may see); the
 * first subscribe, even one whose every instance is refused, narrows it to its subscriptions.
 */
export function handleSubscriptions(
  socket: Socket,
  scope: SocketScope,
  deps: { instances: InstanceService; logger: Logger },
): void {
  const subscriptions = new Map<string, Instance>();
  let narrowed = false;

  const resolve = async (ref: string): Promise<Instance> => {
    const instance = await deps.instances.find(scope.principal, ref);
    const bound = scope.boundInstance;
    if (bound && instance.id !== bound.id)
      throw Errors.forbidden(
        `see instance ${ref} on a socket bound to instance ${bound.name} (auth.instance)`,
      );
    return instance;
  };

  const subscribe = async (refs: string[]): Promise<SubscriptionAck> => {
    const outcome = await settle(refs, resolve);
    for (const instance of outcome.found) {
      subscriptions.set(instance.id, instance);
      await socket.join(instanceRoom(instance.id));
    }
    // leave the default room only after the joins, so no event of a subscribed instance is missed
    const defaultRoom = defaultRoomOf(scope);
    if (!narrowed && ![...subscriptions.keys()].some((id) => instanceRoom(id) === defaultRoom))
      await socket.leave(defaultRoom);
    narrowed = true;
    return ackOf(outcome);
  };

  const unsubscribe = async (refs: string[]): Promise<SubscriptionAck> => {
    // an instance subscribed to by id is left even if it can no longer be found (deleted)
    const outcome = await settle(refs, async (ref) => subscriptions.get(ref) ?? (await resolve(ref)));
    for (const instance of outcome.found) {
      if (!subscriptions.delete(instance.id)) continue;
      await socket.leave(instanceRoom(instance.id));
    }
    return ackOf(outcome);
  };

  const ackOf = (outcome: Settled): SubscriptionAck => ({
    changed: outcome.found.map(({ id, name }) => ({ id, name })),
    refused: outcome.refused,
    subscriptions: [...subscriptions.keys()],
  });

  // one request at a time, in the order sent: a subscribe then an unsubscribe of X ends unsubscribed
  let queue = Promise.resolve();
  for (const [event, run] of [
    ['subscribe', subscribe],
    ['unsubscribe', unsubscribe],
  ] as const)
    socket.on(event, (payload: unknown, ack?: unknown) => {
      const reply = typeof ack === 'function' ? (ack as (answer: SubscriptionAck) => void) : () => {};
      queue = queue
        .then(() => run(requestedInstances(payload)))
        .then(reply, (err: unknown) => {
          if (!(err instanceof ZapgateError))
            deps.logger.warn({ err, event }, 'socket.io subscription failed');
          reply({ error: codedOf(err) });
        });
    });
}

type Settled = { found: Instance[]; refused: Array<{ instance: string; error: CodedError }> };

async function settle(refs: string[], resolve: (ref: string) => Promise<Instance>): Promise<Settled> {
  const outcomes = await Promise.allSettled(refs.map(resolve));
  const settled: Settled = { found: [], refused: [] };
  outcomes.forEach((outcome, i) => {
    if (outcome.status === 'fulfilled') {
      if (!settled.found.some((f) => f.id === outcome.value.id)) settled.found.push(outcome.value);
    } else settled.refused.push({ instance: refs[i] ?? '', error: codedOf(outcome.reason) });
  });
  return settled;
}
