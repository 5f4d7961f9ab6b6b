import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { Database, WebhookDeliveriesTable } from '../schema.ts';
import { isPostgres } from './shared.ts';

/** Which deliveries a claim may take: the head of each (webhook, instance), and the run behind it. */

type DeliveryScope = ExpressionBuilder<Database & { d: WebhookDeliveriesTable }, 'd'>;

/**
 * A delivery (aliased `d`, or `o` in a subquery) is pending. The status is spelled out (not bound)
 * so both planners can use the partial indexes of pending rows.
 */
export const isPending = (alias: 'd' | 'o') => sql<boolean>`${sql.ref(`${alias}.status`)} = 'pending'`;

/**
 * `d` heads its (webhook, instance): it is that group's oldest pending delivery. Spelled as a
 * grouped subquery (one pass over the pending-group index, then one lookup per group) rather than
 * NOT EXISTS on an older row, which PostgreSQL plans as a hash anti-join whose cost grows with the
 * square of a group's backlog.
 */
export const isHead = (eb: DeliveryScope) =>
  eb(
    eb.refTuple('d.webhook_id', 'd.instance_id', 'd.seq'),
    'in',
    eb
      .selectFrom('webhook_deliveries as o')
      .select(['o.webhook_id', 'o.instance_id', (o) => o.fn.min('o.seq').as('head')])
      .where(isPending('o'))
      .groupBy(['o.webhook_id', 'o.instance_id'])
      .$asTuple('webhook_id', 'instance_id', 'head'),
  );

/** Its webhook still exists (a delivery fanned out while its webhook was being deleted has none). */
export const hasWebhook = (eb: DeliveryScope) =>
  eb.exists(
    eb.selectFrom('webhooks as w').select(sql.lit(1).as('one')).whereRef('w.id', '=', 'd.webhook_id'),
  );

type Head = { webhook_id: string; instance_id: string; seq: number | string | bigint };

/**
 * The pending rows right behind each head in its group, at most `run - 1` per group, cut at the
 * first one that is not due (a row still leased by a claim that crashed keeps its place). One
 * indexed query per group, each reading no further than the run; on PostgreSQL the same reads in
 * one statement (a lateral join over the heads), as each query there is a round trip.
 */
export async function followers(
  trx: Kysely<Database>,
  heads: Head[],
  run: number,
  now: Date,
): Promise<string[]> {
  const behind = isPostgres(trx)
    ? await followersInOne(trx, heads, run)
    : await followersOneByOne(trx, heads, run);
  const ids: string[] = [];
  const cut = new Set<number>();
  for (const row of behind) {
    if (cut.has(row.head)) continue;
    if (Number(row.next_attempt_at) > now.getTime()) cut.add(row.head);
    else ids.push(row.id);
  }
  return ids;
}

type Follower = { id: string; next_attempt_at: number | string; head: number };

async function followersOneByOne(trx: Kysely<Database>, heads: Head[], run: number): Promise<Follower[]> {
  const out: Follower[] = [];
  for (const [head, h] of heads.entries()) {
    const behind = await trx
      .selectFrom('webhook_deliveries as d')
      .select(['d.id', 'd.next_attempt_at'])
      .where(isPending('d'))
      .where('d.webhook_id', '=', h.webhook_id)
      .where('d.instance_id', '=', h.instance_id)
      .where('d.seq', '>', Number(h.seq))
      .orderBy('d.seq')
      .limit(run - 1)
      .execute();
    out.push(...behind.map((row) => ({ ...row, head })));
  }
  return out;
}

async function followersInOne(trx: Kysely<Database>, heads: Head[], run: number): Promise<Follower[]> {
  const list = sql.join(
    heads.map(
      (h, i) =>
        sql`(cast(${h.webhook_id} as text), cast(${h.instance_id} as text), cast(${Number(h.seq)} as bigint), cast(${i} as integer))`,
    ),
  );
  const { rows } = await sql<Follower>`
    select f.id, f.next_attempt_at, h.n as head
    from (values ${list}) as h (webhook_id, instance_id, seq, n)
    cross join lateral (
      select d.id, d.next_attempt_at, d.seq from webhook_deliveries as d
      where ${isPending('d')} and d.webhook_id = h.webhook_id and d.instance_id = h.instance_id
        and d.seq > h.seq
      order by d.seq
      limit ${run - 1}
    ) as f
    order by h.n, f.seq`.execute(trx);
  return rows;
}
