import pg from 'pg';
import { parseDatabaseUrl } from './database.ts';

/**
 * Wake-ups between the processes of a fleet: PostgreSQL's LISTEN/NOTIFY. The rows stay the
 * source of truth; a notification only says "look now" to a process that would otherwise look at
 * its next round. On SQLite there is nothing to listen to: the rounds are all there is, and
 * `live` is false so that callers keep their rounds short.
 */
export interface Notifications {
  /** Whether notifications arrive at all (PostgreSQL); without them, callers poll often. */
  readonly live: boolean;
  notify(channel: string): Promise<void>;
  /** Calls `onNotify` with the payload of each notification on the channel until `close`. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<void>;
  close(): Promise<void>;
}

const NONE: Notifications = {
  live: false,
  notify: async () => {},
  listen: async () => {},
  close: async () => {},
};

/**
 * How often a process looks on its own for what another may have written: a backstop where
 * notifications arrive, the only way where they do not.
 */
export function roundMs(notifications: Notifications): number {
  return notifications.live ? 1_000 : 100;
}

/** Channel names are fixed identifiers of ours, never user input. */
const CHANNEL = /^[a-z_]+$/;
const RECONNECT_MS = 1_000;

export function openNotifications(url: string, onError: (err: unknown) => void): Notifications {
  const target = parseDatabaseUrl(url);
  if (target.dialect !== 'postgres') return NONE;
  const handlers = new Map<string, Array<(payload: string) => void>>();
  let listener: Promise<pg.Client> | undefined;
  let closed = false;

  // a listener that drops is opened again, listening to every channel; what was sent meanwhile is
  // found by the callers' own rounds
  const connectListener = (): Promise<pg.Client> => {
    listener ??= (async () => {
      const client = new pg.Client({ connectionString: target.url });
      let gone = false;
      const lost = (err?: unknown) => {
        if (err) onError(err);
        if (closed || gone) return;
        gone = true;
        listener = undefined;
        setTimeout(() => void reconnect(), RECONNECT_MS).unref();
      };
      client.on('error', lost);
      client.on('end', () => lost());
      client.on('notification', (n) => {
        for (const handler of handlers.get(n.channel) ?? []) handler(n.payload ?? '');
      });
      await client.connect();
      for (const channel of handlers.keys()) await client.query(`LISTEN ${channel}`);
      return client;
    })();
    return listener;
  };
  const reconnect = async () => {
    if (closed) return;
    try {
      await connectListener();
    } catch (err) {
      onError(err);
      listener = undefined;
      setTimeout(() => void reconnect(), RECONNECT_MS).unref();
    }
  };
  const pool = new pg.Pool({ connectionString: target.url, max: 1 });
  pool.on('error', onError);
  return {
    live: true,
    async notify(channel) {
      if (!CHANNEL.test(channel)) throw new Error(`bad channel ${channel}`);
      await pool.query(`NOTIFY ${channel}`).catch(onError);
    },
    async listen(channel, onNotify) {
      if (!CHANNEL.test(channel)) throw new Error(`bad channel ${channel}`);
      const known = handlers.has(channel);
      handlers.set(channel, [...(handlers.get(channel) ?? []), onNotify]);
      const client = await connectListener();
      if (!known) await client.query(`LISTEN ${channel}`);
    },
    async close() {
      closed = true;
      const client = await listener?.catch(() => undefined);
      await client?.end().catch(() => undefined);
      await pool.end().catch(() => undefined);
    },
  };
}
