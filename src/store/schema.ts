import type { ColumnType, Generated } from 'kysely';
import type { ChatsTable, ContactsTable } from './chat-schema.ts';

/**
 * Table shapes shared by SQLite and PostgreSQL. Timestamps are epoch milliseconds (bigint on
 * PostgreSQL, integer on SQLite) and JSON is text, so both dialects read and write the same values.
 */
type Millis = ColumnType<number, number, number>;

export interface TenantsTable {
  id: string;
  name: string;
  created_at: Millis;
}

export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  prefix: string;
  hash: string;
  created_at: Millis;
  revoked_at: Millis | null;
}

export interface InstancesTable {
  id: string;
  tenant_id: string | null;
  name: string;
  status: string;
  desired_state: string;
  phone: string | null;
  jid: string | null;
  lid: string | null;
  push_name: string | null;
  qr: string | null;
  qr_updated_at: Millis | null;
  pairing_code: string | null;
  pairing_expires_at: Millis | null;
  connected_at: Millis | null;
  last_error: string | null;
  settings: string;
  owner: string | null;
  lease_until: Millis | null;
  linked_server: string | null;
  label: string | null;
  /** JSON object text; null for rows from before migration 011. */
  metadata: string | null;
  lease_epoch: Generated<number>;
  created_at: Millis;
  updated_at: Millis;
}

export interface NodesTable {
  id: string;
  role: string;
  version: string;
  started_at: Millis;
  heartbeat_at: Millis;
}

export interface CommandsTable {
  id: string;
  instance_id: string;
  node_id: string;
  kind: string;
  args: string;
  status: string;
  result: string | null;
  created_at: Millis;
  done_at: Millis | null;
}

/** The lease of a once-per-fleet job (retention): one node runs it until `lease_until`. */
export interface FleetJobsTable {
  name: string;
  owner: string;
  lease_until: Millis;
}

export interface AuthCredsTable {
  instance_id: string;
  data: string;
  updated_at: Millis;
}

export interface AuthKeysTable {
  instance_id: string;
  type: string;
  key_id: string;
  data: string;
}

export interface InstanceEventsTable {
  id: Generated<number>;
  instance_id: string;
  tenant_id: string | null;
  type: string;
  data: string;
  created_at: Millis;
}

export interface MessagesTable {
  seq: Generated<number>;
  id: string;
  instance_id: string;
  tenant_id: string | null;
  wa_message_id: string;
  direction: string;
  chat_jid: string;
  type: string;
  /** MessageContent as JSON. */
  content: string;
  status: string;
  error_code: string | null;
  error_message: string | null;
  attempts: number;
  next_attempt_at: Millis | null;
  idempotency_key: string | null;
  campaign_id: string | null;
  expires_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
  sent_at: Millis | null;
  delivered_at: Millis | null;
  read_at: Millis | null;
}

export interface MessageMediaTable {
  message_id: string;
  bytes: Buffer;
  created_at: Millis;
}

export interface CampaignsTable {
  id: string;
  instance_id: string;
  tenant_id: string | null;
  name: string | null;
  template: string;
  status: string;
  total: number;
  start_at: Millis | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface EventsTable {
  seq: Generated<number>;
  id: string;
  instance_id: string;
  tenant_id: string | null;
  event: string;
  /** The envelope as JSON, exactly as delivered. */
  envelope: string;
  created_at: Millis;
}

export interface WebhooksTable {
  id: string;
  tenant_id: string | null;
  instance_id: string | null;
  url: string;
  /** Event names and wildcards, as a JSON array. */
  events: string;
  secret: string;
  /** boolean on PostgreSQL, 0/1 on SQLite; written as 1/0, which both accept. */
  enabled: ColumnType<boolean | number, number, number>;
  created_at: Millis;
  updated_at: Millis;
}

export interface WebhookDeliveriesTable {
  seq: Generated<number>;
  id: string;
  webhook_id: string;
  instance_id: string;
  event_id: string;
  event: string;
  payload: string;
  status: string;
  attempts: number;
  next_attempt_at: Millis;
  last_status_code: number | null;
  last_error: string | null;
  last_response: string | null;
  created_at: Millis;
  delivered_at: Millis | null;
}

/** How `MASTER_KEY` is stretched for this database (migration 009). */
export interface MasterKeyTable {
  id: string;
  /** `scrypt:N=…,r=…,p=…` */
  kdf: string;
  /** base64 */
  salt: string;
  created_at: Millis;
}

export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  instances: InstancesTable;
  nodes: NodesTable;
  commands: CommandsTable;
  chats: ChatsTable;
  contacts: ContactsTable;
  fleet_jobs: FleetJobsTable;
  auth_creds: AuthCredsTable;
  auth_keys: AuthKeysTable;
  master_key: MasterKeyTable;
  instance_events: InstanceEventsTable;
  messages: MessagesTable;
  message_media: MessageMediaTable;
  campaigns: CampaignsTable;
  events: EventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
