import { type Kysely, type Selectable, sql } from 'kysely';
import type {
  CommandRecord,
  CommandRepository,
  JobLeaseRepository,
  LeaseRepository,
  NodeRecord,
  NodeRepository,
} from '../repositories.ts';
import type { CommandsTable, Database } from '../schema.ts';
import { hasStatus } from './message-rows.ts';
import { affected, toDate } from './shared.ts';

/** Statuses a worker does not take an instance in: it waits for the operator or a new link. */
const NOT_OWNED = ['logged_out', 'failed'];

export class NodeSqlRepository implements NodeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async heartbeat(node: Omit<NodeRecord, 'heartbeatAt'>, at: Date): Promise<void> {
    await this.db
      .insertInto('nodes')
      .values({
        id: node.id,
        role: node.role,
        version: node.version,
        started_at: node.startedAt.getTime(),
        heartbeat_at: at.getTime(),
      })
      .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: at.getTime(), role: node.role }))
      .execute();
  }

  async live(since: Date): Promise<NodeRecord[]> {
    const rows = await this.db
      .selectFrom('nodes')
      .selectAll()
      .where('heartbeat_at', '>=', since.getTime())
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      role: r.role as NodeRecord['role'],
      version: r.version,
      startedAt: toDate(r.started_at),
      heartbeatAt: toDate(r.heartbeat_at),
    }));
  }

  async remove(id: string): Promise<void> {
    await this.db.deleteFrom('nodes').where('id', '=', id).execute();
  }

  async removeSilentSince(before: Date): Promise<number> {
    return affected(
      await this.db.deleteFrom('nodes').where('heartbeat_at', '<', before.getTime()).executeTakeFirst(),
    );
  }
}

export class LeaseSqlRepository implements LeaseRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async claimable(now: Date, limit: number): Promise<string[]> {
    if (limit < 1) return [];
    const rows = await this.db
      .selectFrom('instances')
      .select('id')
      .where('desired_state', '=', 'running')
      .where('status', 'not in', NOT_OWNED)
      .where((eb) => eb.or([eb('owner', 'is', null), eb('lease_until', '<', now.getTime())]))
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  claim(nodeId: string, instanceId: string, now: Date, until: Date): Promise<number | undefined> {
    return this.takeLease(nodeId, instanceId, now, until, false);
  }

  claimFailed(nodeId: string, instanceId: string, now: Date, until: Date): Promise<number | undefined> {
    return this.takeLease(nodeId, instanceId, now, until, true);
  }

  private async takeLease(
    nodeId: string,
    instanceId: string,
    now: Date,
    until: Date,
    failedOnly: boolean,
  ): Promise<number | undefined> {
    const row = await this.db
      .updateTable('instances')
      .set((eb) => ({ owner: nodeId, lease_until: until.getTime(), lease_epoch: eb('lease_epoch', '+', 1) }))
      .where('id', '=', instanceId)
      .where('desired_state', '=', 'running')
      .$if(failedOnly, (qb) => qb.where('status', '=', 'failed'))
      .where((eb) => eb.or([eb('owner', 'is', null), eb('lease_until', '<', now.getTime())]))
      .returning('lease_epoch')
      .executeTakeFirst();
    return row?.lease_epoch;
  }

  async renew(nodeId: string, instanceIds: string[], now: Date, until: Date): Promise<Map<string, number>> {
    if (instanceIds.length === 0) return new Map();
    const rows = await this.db
      .updateTable('instances')
      .set({ lease_until: until.getTime() })
      .where('id', 'in', instanceIds)
      .where('owner', '=', nodeId)
      .where('lease_until', '>=', now.getTime())
      .returning(['id', 'lease_epoch'])
      .execute();
    return new Map(rows.map((r) => [r.id, r.lease_epoch]));
  }

  async release(nodeId: string, instanceId: string, epoch: number): Promise<boolean> {
    const result = await this.db
      .updateTable('instances')
      .set({ owner: null, lease_until: null })
      .where('id', '=', instanceId)
      .where('owner', '=', nodeId)
      .where('lease_epoch', '=', epoch)
      .executeTakeFirst();
    return affected(result) > 0;
  }

  async holds(nodeId: string, instanceId: string, epoch: number, now: Date): Promise<boolean> {
    const row = await this.db
      .selectFrom('instances')
      .select('id')
      .where('id', '=', instanceId)
      .where('owner', '=', nodeId)
      .where('lease_epoch', '=', epoch)
      .where('lease_until', '>=', now.getTime())
      .executeTakeFirst();
    return row !== undefined;
  }

  async ownerOf(instanceId: string, now: Date): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('instances')
      .select('owner')
      .where('id', '=', instanceId)
      .where('lease_until', '>=', now.getTime())
      .executeTakeFirst();
    return row?.owner ?? undefined;
  }

  async countByOwner(now: Date): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('instances')
      .select(['owner', (eb) => eb.fn.countAll<number>().as('n')])
      .where('owner', 'is not', null)
      .where('lease_until', '>=', now.getTime())
      .groupBy('owner')
      .execute();
    return new Map(rows.map((r) => [r.owner ?? '', Number(r.n)]));
  }

  async countWanted(): Promise<number> {
    const { n } = await this.db
      .selectFrom('instances')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('desired_state', '=', 'running')
      .where('status', 'not in', NOT_OWNED)
      .executeTakeFirstOrThrow();
    return Number(n);
  }

  /**
   * One probe per instance that stops at its first queued row: a `distinct` over the rows read
   * every queued row of every instance (2.7 ms with 4,000 queued, ten times a second per worker).
   */
  async withQueuedMessages(instanceIds: string[]): Promise<string[]> {
    if (instanceIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('instances as i')
      .select('i.id')
      .where('i.id', 'in', instanceIds)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('messages as m')
            .select(sql.lit(1).as('one'))
            .whereRef('m.instance_id', '=', 'i.id')
            .where(hasStatus('queued', 'm.status'))
            .where('m.direction', '=', 'outbound'),
        ),
      )
      .execute();
    return rows.map((r) => r.id);
  }
}

const toCommand = (r: Selectable<CommandsTable>): CommandRecord => ({
  id: r.id,
  instanceId: r.instance_id,
  nodeId: r.node_id,
  kind: r.kind,
  args: JSON.parse(r.args) as Record<string, unknown>,
  status: r.status as CommandRecord['status'],
  result: r.result === null ? null : (JSON.parse(r.result) as unknown),
  createdAt: toDate(r.created_at),
});

export class CommandSqlRepository implements CommandRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: Pick<CommandRecord, 'id' | 'instanceId' | 'nodeId' | 'kind' | 'args'>): Promise<void> {
    await this.db
      .insertInto('commands')
      .values({
        id: input.id,
        instance_id: input.instanceId,
        node_id: input.nodeId,
        kind: input.kind,
        args: JSON.stringify(input.args),
        status: 'pending',
        result: null,
        created_at: Date.now(),
        done_at: null,
      })
      .execute();
  }

  async pendingFor(nodeId: string, limit: number): Promise<CommandRecord[]> {
    const rows = await this.db
      .selectFrom('commands')
      .selectAll()
      .where('node_id', '=', nodeId)
      .where('status', '=', 'pending')
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map(toCommand);
  }

  async finish(id: string, status: 'done' | 'failed', result: unknown): Promise<void> {
    await this.db
      .updateTable('commands')
      .set({ status, result: JSON.stringify(result ?? null), done_at: Date.now() })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }

  async get(id: string): Promise<CommandRecord | undefined> {
    const row = await this.db.selectFrom('commands').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toCommand(row);
  }

  async deleteOlderThan(cutoff: Date): Promise<number> {
    return affected(
      await this.db.deleteFrom('commands').where('created_at', '<', cutoff.getTime()).executeTakeFirst(),
    );
  }
}

export class JobLeaseSqlRepository implements JobLeaseRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async tryHold(job: string, nodeId: string, now: Date, until: Date): Promise<boolean> {
    const result = await this.db
      .insertInto('fleet_jobs')
      .values({ name: job, owner: nodeId, lease_until: until.getTime() })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ owner: nodeId, lease_until: until.getTime() })
          .where((eb) =>
            eb.or([eb('fleet_jobs.lease_until', '<', now.getTime()), eb('fleet_jobs.owner', '=', nodeId)]),
          ),
      )
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}
