import { type Kysely, sql } from 'kysely';
import { grouped } from '../group-commit.ts';
import type { Database } from '../schema.ts';
import { chunk } from './shared.ts';

interface Delivered {
  id: string;
  statusCode: number;
  response: string | null;
  at: number;
  done: (error?: unknown) => void;
}

/** Rows per statement: four bound values each. */
const ROWS = 100;

/**
 * Deliveries marked delivered in one turn of the event loop, settled by one statement: the worker
 * delivers twenty runs side by side, and on PostgreSQL a statement each was a round trip each. As
 * any outcome, it applies only to a row still pending.
 */
export class DeliveredBatch {
  private pending: Delivered[] = [];

  constructor(private readonly db: Kysely<Database>) {}

  add(id: string, statusCode: number, response: string | null, at: Date): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (error?: unknown) => (error === undefined ? resolve() : reject(error));
      this.pending.push({ id, statusCode, response, at: at.getTime(), done });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    for (const part of chunk(batch, ROWS)) {
      try {
        await grouped(this.db, (trx) => settleDelivered(part).execute(trx));
        for (const d of part) d.done();
      } catch (error) {
        for (const d of part) d.done(error);
      }
    }
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
