import { type Kysely, sql } from 'kysely';
import { isPostgres } from './helpers.ts';

/**
 * Wake-ups across a fleet, and jobs that one node runs at a time. On PostgreSQL, triggers send a
 * NOTIFY when a row that another process waits for is committed: a queued message (payload: its
 * instance), a published event, a webhook delivery, a command (payload: the node it is for) and a
 * command's answer (payload: its id). A notification is sent at commit, so whoever hears it finds
 * the row; the rows stay the truth and every listener still looks on its own now and then.
 * `fleet_jobs` holds the lease of each once-per-fleet job (retention).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('fleet_jobs')
    .addColumn('name', 'text', (col) => col.primaryKey())
    .addColumn('owner', 'text', (col) => col.notNull())
    .addColumn('lease_until', 'bigint', (col) => col.notNull())
    .execute();
  if (!isPostgres(db)) return;
  await sql`
    CREATE FUNCTION zapgate_notify_statement() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify(TG_ARGV[0], '');
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION zapgate_notify_queued() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      PERFORM pg_notify('zapgate_queue', q.instance_id)
        FROM (SELECT DISTINCT instance_id FROM new_rows WHERE status = 'queued') q;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE FUNCTION zapgate_notify_command() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('zapgate_commands', NEW.node_id);
      ELSIF NEW.status IN ('done', 'failed') AND OLD.status IS DISTINCT FROM NEW.status THEN
        PERFORM pg_notify('zapgate_command_done', NEW.id);
      END IF;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER messages_queued_notify AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION zapgate_notify_queued()`.execute(
    db,
  );
  await sql`
    CREATE TRIGGER events_notify AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION zapgate_notify_statement('zapgate_events')`.execute(db);
  await sql`
    CREATE TRIGGER webhook_deliveries_notify AFTER INSERT ON webhook_deliveries
    FOR EACH STATEMENT EXECUTE FUNCTION zapgate_notify_statement('zapgate_deliveries')`.execute(db);
  await sql`
    CREATE TRIGGER commands_notify AFTER INSERT OR UPDATE ON commands
    FOR EACH ROW EXECUTE FUNCTION zapgate_notify_command()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  if (isPostgres(db)) {
    await sql`DROP TRIGGER IF EXISTS commands_notify ON commands`.execute(db);
    await sql`DROP TRIGGER IF EXISTS webhook_deliveries_notify ON webhook_deliveries`.execute(db);
    await sql`DROP TRIGGER IF EXISTS events_notify ON events`.execute(db);
    await sql`DROP TRIGGER IF EXISTS messages_queued_notify ON messages`.execute(db);
    await sql`DROP FUNCTION IF EXISTS zapgate_notify_command()`.execute(db);
    await sql`DROP FUNCTION IF EXISTS zapgate_notify_queued()`.execute(db);
    await sql`DROP FUNCTION IF EXISTS zapgate_notify_statement()`.execute(db);
  }
  await db.schema.dropTable('fleet_jobs').execute();
}
