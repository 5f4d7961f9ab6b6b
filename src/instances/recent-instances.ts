import { type Instance, isLinked } from '../domain/instance.ts';
import type { EventBus } from '../events/event-bus.ts';
import { withUpdate } from '../fleet/fenced-writes.ts';
import type { InstanceRepository } from '../store/repositories.ts';

/** How long a linked instance read from the store answers the send path without a new read. */
export const RECENT_MS = 1_000;
/** Entries beyond this are dropped all at once (ids of instances deleted elsewhere do not pile up). */
const MOST = 10_000;

/**
 * Linked instances as read in the last second, for the send path: every accepted send looked its
 * instance up again (35 µs under load, an eighth of accepting). An instance is forgotten when this
 * process's sessions write its row (`watching`), when its `instance.status` event comes (in a
 * fleet's API, from the event log), and when this process edits, removes, starts, stops or logs it
 * out. An instance not linked is never kept, so one that has just linked is read afresh. What a
 * second's staleness can let through, a send accepted just after a logout elsewhere, is the race a
 * send and a logout always had.
 */
export class RecentInstances {
  private readonly entries = new Map<string, { instance: Instance; until: number }>();

  constructor(bus: EventBus) {
    bus.subscribe((event) => {
      if (event.event === 'instance.status') this.forget(event.instance.id);
    });
  }

  /** What `keep` was given for this tenant scope (undefined: the admin's) and id or name. */
  get(scope: string | undefined, idOrName: string): Instance | undefined {
    const key = keyOf(scope, idOrName);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > Date.now()) return entry.instance;
    this.entries.delete(key);
    return undefined;
  }

  keep(scope: string | undefined, idOrName: string, instance: Instance): void {
    if (!isLinked(instance)) return;
    if (this.entries.size >= MOST) this.entries.clear();
    this.entries.set(keyOf(scope, idOrName), { instance, until: Date.now() + RECENT_MS });
  }

  /**
   * `repo` whose updates forget the instance once written: a session's status change (a logout
   * from the phone) is then seen by the next send, not only once its event has been recorded.
   */
  watching(repo: InstanceRepository): InstanceRepository {
    return withUpdate(repo, async (id, patch, fence) => {
      try {
        return await repo.update(id, patch, fence);
      } finally {
        this.forget(id);
      }
    });
  }

  /** Drops the instance under every id or name it was kept by (rare: a status change, an edit). */
  forget(id: string): void {
    for (const [key, entry] of this.entries) if (entry.instance.id === id) this.entries.delete(key);
  }
}

const keyOf = (scope: string | undefined, idOrName: string) => `${scope ?? ''}\u0000${idOrName}`;
