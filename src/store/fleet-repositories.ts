/** The fleet's side of the store: nodes, instance leases and commands (see src/fleet/). */

/** A fenced write refused: the node no longer holds the instance's lease at the epoch it wrote with. */
export class LeaseLostError extends Error {
  override name = 'LeaseLostError';
  constructor(instanceId: string) {
    super(`not writing for ${instanceId}: this node no longer holds its lease`);
  }
}

/** The lease a write is conditioned on: it happens only while the node holds it at this epoch. */
export interface LeaseFence {
  nodeId: string;
  epoch: number;
}

export type NodeRole = 'serve' | 'api' | 'worker';

/** A process of the fleet, as it last reported itself. */
export interface NodeRecord {
  id: string;
  role: NodeRole;
  version: string;
  startedAt: Date;
  heartbeatAt: Date;
}

export interface NodeRepository {
  /** Registers the node, or refreshes its heartbeat. */
  heartbeat(node: Omit<NodeRecord, 'heartbeatAt'>, at: Date): Promise<void>;
  /** Nodes whose last heartbeat is at `since` or later. */
  live(since: Date): Promise<NodeRecord[]>;
  remove(id: string): Promise<void>;
  removeSilentSince(before: Date): Promise<number>;
}

/**
 * Instance leases: a worker owns an instance while `lease_until` is ahead; every takeover bumps
 * `lease_epoch`, the fencing counter that an owner-only write is conditioned on.
 */
export interface LeaseRepository {
  /** Instances that should run and whose lease is free or expired, oldest first. */
  claimable(now: Date, limit: number): Promise<string[]>;
  /** Takes the lease if it is still free or expired; returns the new epoch. */
  claim(nodeId: string, instanceId: string, now: Date, until: Date): Promise<number | undefined>;
  /**
   * A boot retry's claim: takes the lease of an instance that ended `failed` (which `claimable`
   * never offers) and should run, if the lease is still free or expired; returns the new epoch.
   */
  claimFailed(nodeId: string, instanceId: string, now: Date, until: Date): Promise<number | undefined>;
  /**
   * Extends the node's unexpired leases of these instances (the ones it runs: a restarted node
   * with the same id must not extend leases it never took); returns them with their epochs.
   */
  renew(nodeId: string, instanceIds: string[], now: Date, until: Date): Promise<Map<string, number>>;
  /** Gives the lease back, if the node still holds it at this epoch. */
  release(nodeId: string, instanceId: string, epoch: number): Promise<boolean>;
  holds(nodeId: string, instanceId: string, epoch: number, now: Date): Promise<boolean>;
  /** The node holding an unexpired lease on the instance. */
  ownerOf(instanceId: string, now: Date): Promise<string | undefined>;
  countByOwner(now: Date): Promise<Map<string, number>>;
  /** Instances that should be owned by some worker. */
  countWanted(): Promise<number>;
  /** Which of these instances have outbound messages queued (to wake their senders). */
  withQueuedMessages(instanceIds: string[]): Promise<string[]>;
}

/** A request from an API node to the worker that owns an instance; the row is the message. */
export interface CommandRecord {
  id: string;
  instanceId: string;
  nodeId: string;
  kind: string;
  args: Record<string, unknown>;
  status: 'pending' | 'done' | 'failed';
  result: unknown;
  createdAt: Date;
}

export interface CommandRepository {
  create(input: Pick<CommandRecord, 'id' | 'instanceId' | 'nodeId' | 'kind' | 'args'>): Promise<void>;
  pendingFor(nodeId: string, limit: number): Promise<CommandRecord[]>;
  /** Records the outcome of a pending command (once). */
  finish(id: string, status: 'done' | 'failed', result: unknown): Promise<void>;
  get(id: string): Promise<CommandRecord | undefined>;
  deleteOlderThan(cutoff: Date): Promise<number>;
}

/** Once-per-fleet jobs: a node runs one while it holds its lease row. */
export interface JobLeaseRepository {
  /** Takes or extends the job's lease to `until` if it is free, expired or already this node's. */
  tryHold(job: string, nodeId: string, now: Date, until: Date): Promise<boolean>;
}
