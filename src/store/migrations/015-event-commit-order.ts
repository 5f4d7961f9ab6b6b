import { type Kysely, sql } from 'kysely';
import { isPostgres } from './helpers.ts';

/** The advisory lock (any constant) that makes events commit in the order of their seq. */
const EVENT_ORDER_LOCK = 0x5a47_0001;

/**
 * PostgreSQL only: an event's seq is given at commit, not at insert.
 *
 * Readers resume "after seq N" (SSE's Last-Event-ID, a fleet's event tail), so an event must
 * never become visible after one with a higher seq. PostgreSQL hands out identity values at
 * insert and transactions commit in any order, so every transaction that wrote events used to
 * take an advisory lock before its insert and hold it until it committed: through the insert's
 * round trip, the commit's, and whatever else the gateway's event loop had to do in between. In
 * one run of `bench:peer-bullmq -- --db postgres --messages 3000 --window 3`, pg_stat_statements
 * counted 1,072 takes of that lock and 36 s spent waiting for it (34 ms each).
 *
 * Now a deferred trigger does it at COMMIT, inside the server: it takes the same lock and gives
 * each of the transaction's events a new seq, in the order they were inserted. The lock is held
 * from there to the end of the commit, with no round trip to the client in between: in the same
 * run, 7,115 takes (one per event) and 37 ms in all, and 0.06 ms per event for the new seq. The
 * value an insert draws is provisional; the committed row has its final one. (SQLite runs one
 * writing transaction at a time, so its seqs already commit in order.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`
    CREATE FUNCTION zapgate_event_commit_order() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock(${sql.lit(EVENT_ORDER_LOCK)});
      UPDATE events SET seq = DEFAULT WHERE seq = NEW.seq;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE CONSTRAINT TRIGGER events_commit_order AFTER INSERT ON events
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION zapgate_event_commit_order()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`DROP TRIGGER IF EXISTS events_commit_order ON events`.execute(db);
  await sql`DROP FUNCTION IF EXISTS zapgate_event_commit_order()`.execute(db);
}
