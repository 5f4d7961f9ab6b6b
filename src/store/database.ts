import { resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { commitInGroups, transact } from './group-commit.ts';
import { runMigrations, type StoreLogger } from './migrate.ts';
import { sendPreparedByName } from './postgres-prepared-statements.ts';
import { preparePrivateDatabaseFile } from './private-files.ts';
import { ApiKeySqlRepository } from './repositories/api-key-repository.ts';
import { AuthStateSqlRepository } from './repositories/auth-state-repository.ts';
import { CampaignSqlRepository } from './repositories/campaign-repository.ts';
import { ChatSqlRepository } from './repositories/chat-repository.ts';
import { ContactSqlRepository } from './repositories/contact-repository.ts';
import { EventSqlRepository } from './repositories/event-repository.ts';
import {
  CommandSqlRepository,
  JobLeaseSqlRepository,
  LeaseSqlRepository,
  NodeSqlRepository,
} from './repositories/fleet-repositories.ts';
import { InstanceEventSqlRepository } from './repositories/instance-event-repository.ts';
import { InstanceSqlRepository } from './repositories/instance-repository.ts';
import { MasterKeySqlRepository } from './repositories/master-key-repository.ts';
import { MessageMediaSqlRepository } from './repositories/message-media-repository.ts';
import { MessageSqlRepository } from './repositories/message-repository.ts';
import { TenantSqlRepository } from './repositories/tenant-repository.ts';
import { WebhookCandidateCache } from './repositories/webhook-candidate-cache.ts';
import { WebhookDeliverySqlRepository } from './repositories/webhook-delivery-repository.ts';
import { WebhookSqlRepository } from './repositories/webhook-repository.ts';
import type { Store } from './repositories.ts';
import type { Database } from './schema.ts';
import { SqliteCheckpointer } from './sqlite-checkpointer.ts';
import { ImmediateSqliteDialect } from './sqlite-immediate.ts';
import { withStatementCache } from './sqlite-statement-cache.ts';

export type { StoreLogger } from './migrate.ts';

export interface StoreOptions {
  logger?: StoreLogger;
  /**
   * SQLite only. `normal` (the default): in WAL mode a commit is safe from a crash of the process
   * (SIGKILL included) but the last ones may roll back after a power cut or a kernel crash; no sync
   * per commit. `full`: every commit also waits for the disk (about 0.2 ms each, on the event loop).
   */
  sqliteSynchronous?: 'normal' | 'full';
  /**
   * SQLite only: WAL checkpoints on a thread of their own (sqlite-checkpointer.ts), for the
   * gateway. Off by default: a short-lived store (a CLI, a test's look at the database) lets its
   * commits checkpoint, as SQLite does, rather than start a thread.
   */
  sqliteCheckpointThread?: boolean;
  /** SQLite only: transactions asked for meanwhile commit together (group-commit.ts). Default on. */
  sqliteGroupCommit?: boolean;
  /** PostgreSQL only: the most connections the pool opens (default 10). */
  postgresPoolMax?: number;
}

type Target = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

interface Connection {
  dialect: Store['dialect'];
  db: Kysely<Database>;
  sqlite?: BetterSqlite3.Database;
}

const ACCEPTED_FORMS =
  'sqlite:///absolute/path.db, sqlite://./relative.db, sqlite::memory:, a file path ending in .db or .sqlite, ' +
  'or postgres://user:password@host:port/database (postgresql:// also works)';

/** Where a database URL points; throws when it is none of the accepted forms. */
export function parseDatabaseUrl(url: string): Target {
  const value = url.trim();
  if (/^postgres(ql)?:\/\//i.test(value)) return { dialect: 'postgres', url: value };
  if (value === 'sqlite::memory:' || value === 'sqlite://:memory:')
    return { dialect: 'sqlite', path: ':memory:' };
  if (/^sqlite:\/\/./i.test(value))
    return { dialect: 'sqlite', path: resolve(value.slice('sqlite://'.length)) };
  if (!value.includes('://') && /\.(db|sqlite|sqlite3)$/i.test(value))
    return { dialect: 'sqlite', path: resolve(value) };
  throw new Error(`unsupported database URL "${redact(value)}"; use ${ACCEPTED_FORMS}`);
}

/** Opens the database, applies pending migrations, and returns the repositories over it. */
export async function openStore(url: string, opts: StoreOptions = {}): Promise<Store> {
  const target = parseDatabaseUrl(url);
  const connection = connect(target, opts);
  try {
    await runMigrations(connection.db as Kysely<unknown>, connection.sqlite, opts.logger);
  } catch (error) {
    await connection.db.destroy();
    throw error;
  }
  const checkpointer =
    opts.sqliteCheckpointThread &&
    connection.sqlite &&
    target.dialect === 'sqlite' &&
    target.path !== ':memory:'
      ? SqliteCheckpointer.start(
          connection.sqlite,
          target.path,
          opts.sqliteSynchronous ?? 'normal',
          opts.logger,
        )
      : undefined;
  opts.logger?.('store: opened', { dialect: connection.dialect });
  return new SqlStore(connection.dialect, connection.db, checkpointer);
}

/** `zapgate migrate`: applies pending migrations, closes, and returns the names applied now. */
export async function migrateOnly(url: string, opts: StoreOptions = {}): Promise<string[]> {
  const connection = connect(parseDatabaseUrl(url), opts);
  try {
    return await runMigrations(connection.db as Kysely<unknown>, connection.sqlite, opts.logger);
  } finally {
    await connection.db.destroy();
  }
}

function connect(target: Target, opts: StoreOptions): Connection {
  return target.dialect === 'sqlite'
    ? connectSqlite(target.path, opts.sqliteSynchronous ?? 'normal', opts.sqliteGroupCommit ?? true)
    : connectPostgres(target.url, opts.postgresPoolMax ?? 10, opts.logger);
}

/** How long a statement outside a transaction waits for another process's write lock. */
const BUSY_TIMEOUT_MS = 5_000;

function connectSqlite(path: string, synchronous: 'normal' | 'full', groupCommit: boolean): Connection {
  if (path !== ':memory:') preparePrivateDatabaseFile(path);
  const sqlite = new BetterSqlite3(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${synchronous}`);
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }, sqlite, BUSY_TIMEOUT_MS),
  });
  if (groupCommit) commitInGroups(db);
  return { dialect: 'sqlite', db, sqlite };
}

const INT8_OID = 20;
const parseInt8 = (value: string): number => Number(value);

function connectPostgres(url: string, max: number, logger?: StoreLogger): Connection {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // Epoch-ms columns and counts are int8, which pg returns as strings unless told otherwise.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', (error) => logger?.('store: idle PostgreSQL connection failed', { error: error.message }));
  sendPreparedByName(pool);
  return { dialect: 'postgres', db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }) };
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}

/** The repositories of a store, as `Store.transaction` hands them to its work. */
type Repositories = Omit<Store, 'transaction' | 'close' | 'ping' | 'dialect'>;

/** What the repositories of one store share, whichever connection or transaction they run on. */
interface Shared {
  dialect: Store['dialect'];
  webhookCandidates: WebhookCandidateCache;
}

/** Every repository over `db`: the store's connection, or one transaction of it. */
function repositoriesOver(db: Kysely<Database>, shared: Shared): Repositories {
  return {
    tenants: new TenantSqlRepository(db),
    apiKeys: new ApiKeySqlRepository(db),
    instances: new InstanceSqlRepository(db),
    instanceEvents: new InstanceEventSqlRepository(db),
    authState: new AuthStateSqlRepository(db),
    messages: new MessageSqlRepository(db),
    messageMedia: new MessageMediaSqlRepository(db),
    campaigns: new CampaignSqlRepository(db),
    events: new EventSqlRepository(db),
    webhooks: new WebhookSqlRepository(db, shared.webhookCandidates),
    webhookDeliveries: new WebhookDeliverySqlRepository(db),
    nodes: new NodeSqlRepository(db),
    leases: new LeaseSqlRepository(db),
    commands: new CommandSqlRepository(db),
    chats: new ChatSqlRepository(db),
    contacts: new ContactSqlRepository(db),
    jobs: new JobLeaseSqlRepository(db),
    masterKey: new MasterKeySqlRepository(db),
  };
}

class SqlStore implements Store {
  readonly tenants: Repositories['tenants'];
  readonly apiKeys: Repositories['apiKeys'];
  readonly instances: Repositories['instances'];
  readonly instanceEvents: Repositories['instanceEvents'];
  readonly authState: Repositories['authState'];
  readonly messages: Repositories['messages'];
  readonly messageMedia: Repositories['messageMedia'];
  readonly campaigns: Repositories['campaigns'];
  readonly events: Repositories['events'];
  readonly webhooks: Repositories['webhooks'];
  readonly webhookDeliveries: Repositories['webhookDeliveries'];
  readonly nodes: Repositories['nodes'];
  readonly leases: Repositories['leases'];
  readonly commands: Repositories['commands'];
  readonly chats: Repositories['chats'];
  readonly contacts: Repositories['contacts'];
  readonly jobs: Repositories['jobs'];
  readonly masterKey: Repositories['masterKey'];
  #closed = false;
  readonly #shared: Shared;

  constructor(
    readonly dialect: Store['dialect'],
    private readonly db: Kysely<Database>,
    private readonly checkpointer?: SqliteCheckpointer,
  ) {
    this.#shared = { dialect, webhookCandidates: new WebhookCandidateCache() };
    const repositories = repositoriesOver(db, this.#shared);
    this.tenants = repositories.tenants;
    this.apiKeys = repositories.apiKeys;
    this.instances = repositories.instances;
    this.instanceEvents = repositories.instanceEvents;
    this.authState = repositories.authState;
    this.messages = repositories.messages;
    this.messageMedia = repositories.messageMedia;
    this.campaigns = repositories.campaigns;
    this.events = repositories.events;
    this.webhooks = repositories.webhooks;
    this.webhookDeliveries = repositories.webhookDeliveries;
    this.nodes = repositories.nodes;
    this.leases = repositories.leases;
    this.commands = repositories.commands;
    this.chats = repositories.chats;
    this.contacts = repositories.contacts;
    this.jobs = repositories.jobs;
    this.masterKey = repositories.masterKey;
  }

  /**
   * One transaction with every repository bound to it. `work` must use only `tx`: on SQLite the
   * store's own repositories would wait for the connection the transaction holds (a deadlock),
   * and on PostgreSQL they would run outside the transaction. Repository methods that use a
   * transaction of their own (insertMany, writeKeys, …) join this one instead.
   */
  async transaction<T>(work: (tx: Repositories) => Promise<T>): Promise<T> {
    return transact(this.db, (trx) => work(repositoriesOver(trx, this.#shared)));
  }

  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.checkpointer?.stop();
    await this.db.destroy();
  }
}
