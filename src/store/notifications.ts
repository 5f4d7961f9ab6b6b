import pg from 'pg';
import { parseDatabaseUrl } from './database.ts';

/**
 * Wake-ups between the processes of a fleet: PostgreSQL's LISTEN/NOTIFY. The rows stay the
 * source of truth; a notification only says "look now" to a process that would otherwise look at
 * its next round. On SQLite there is nothing to listen to: the rounds are all there is.
 */
export interface Notifications {
  notify(channel: string): Promise<void>;
  /** Calls `onNotify` for each notification on the channel until `close`. */
  listen(channel: string, onNotify: () => void): Promise<void>;
  close(): Promise<void>;
}

const NONE: Notifications = {
  notify: async () => {},
  listen: async () => {},
  close: async () => {},
};

/** Channel names are fixed identifiers of ours, never user input. */
const CHANNEL = /^[a-z_]+$/;

export function openNotifications(url: string, onError: (err: unknown) => void): Notifications {
  const target = parseDatabaseUrl(url);
  if (target.dialect !== 'postgres') return NONE;
  let listener: pg.Client | undefined;
  const handlers = new Map<string, Array<() => void>>();
  const connectListener = async (): Promise<pg.Client> => {
    if (listener) return listener;
    const client = new pg.Client({ connectionString: target.url });
    client.on('error', onError);
    client.on('notification', (n) => {
      for (const handler of handlers.get(n.channel) ?? []) handler();
    });
    await client.connect();
    listener = client;
    return client;
  };
  const pool = new pg.Pool({ connectionString: target.url, max: 1 });
  pool.on('error', onError);
  return {
    async notify(channel) {
      if (!CHANNEL.test(channel)) throw new Error(`bad channel ${channel}`);
      await pool.query(`NOTIFY ${channel}`).catch(onError);
    },
    async listen(channel, onNotify) {
      if (!CHANNEL.test(channel)) throw new Error(`bad channel ${channel}`);
      const client = await connectListener();
      handlers.set(channel, [...(handlers.get(channel) ?? []), onNotify]);
      await client.query(`LISTEN ${channel}`);
    },
    async close() {
      await listener?.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
