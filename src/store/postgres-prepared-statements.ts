import type pg from 'pg';

/** The SQL text of each statement sent by name on PostgreSQL, and its name (`zg_1`, `zg_2`, …). */
const names = new Map<string, string>();

/** Marks `sql` to be sent as a named prepared statement on every PostgreSQL connection from now on. */
export function prepareOnPostgres(sql: string): void {
  if (!names.has(sql)) names.set(sql, `zg_${names.size + 1}`);
}

type Query = (...args: unknown[]) => unknown;

/**
 * Every connection of `pool` sends the statements marked by prepareOnPostgres by name: PostgreSQL
 * parses and plans each once per connection and then runs its cached generic plan. Sent unnamed,
 * the outbox's statements spent more time being planned than run (nextDue: 1.0 ms planned,
 * 0.16 ms run, at 100k rows). Kysely's driver calls `query(sql, parameters)`: only that form of a
 * marked statement is rewritten; everything else goes through as it came.
 */
export function sendPreparedByName(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as Query;
    client.query = ((...args: unknown[]) => {
      const [text, values] = args;
      const name = typeof text === 'string' && args.length === 2 ? names.get(text) : undefined;
      return name === undefined ? query(...args) : query({ name, text, values });
    }) as typeof client.query;
  });
}
