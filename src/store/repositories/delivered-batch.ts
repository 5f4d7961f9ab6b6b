import { type Kysely, sql } from 'kysely';
import { grouped } from '../group-commit.ts';
import type { Database } from '../schema.ts';
import { TurnBatch } from '../turn-batch.ts';

interface Delivered {
  id: string;
  statusCode: number;
  response: string | null;
  at: number;
}

/** Rows per statement: four bound values each. */
const ROWS = 100;

/**
 * Deliveries marked delivered in one turn of the event loop, settled by one statement: the worker
 * delivers twenty runs side by side, and on PostgreSQL a statement each was a round trip each. As
 * any outcome, it applies only to a row still pending.
 */
export class DeliveredBatch {
  private readonly batch: TurnBatch<Delivered>;

  constructor(db: Kysely<Database>) {
    this.batch = new TurnBatch(
      async (rows) => {
        await grouped(db, (trx) => settleDelivered(rows).execute(trx));
        return undefined;
      },
      { most: ROWS },
    );
  }

  add(id: string, statusCode: number, response: string | null, at: Date): Promise<void> {
    return this.batch.add({ id, statusCode, response, at: at.getTime() });
  }
}

/** Typed in each row, as PostgreSQL cannot tell a bound value's type inside VALUES. */
const settleDelivered = (rows: Delivered[]) => sql`
  with v (id, at, code, response) as (values ${sql.join(
    rows.map(
      (d) =>
        sql`(cast(${d.id} as text), cast(${d.at} as bigint), cast(${d.statusCode} as integer), cast(${d.response} as text))`,
    ),
  )})
  update webhook_deliveries
  set status = 'delivered', delivered_at = v.at, last_status_code = v.code, last_error = null,
    last_response = v.response
  from v
  where webhook_deliveries.id = v.id and webhook_deliveries.status = 'pending'`;
