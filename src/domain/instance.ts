/** The lifecycle of an instance (one WhatsApp number), as DESIGN.md describes it. */
export const INSTANCE_STATUSES = [
  'created',
  'connecting',
  'qr',
  'pairing',
  'connected',
  'disconnected',
  'logged_out',
  'stopped',
  'failed',
] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** What the operator wants: a running instance is (re)connected, a stopped one left alone. */
export type DesiredState = 'running' | 'stopped';

export interface InstanceSettings {
  /** Free-form operator settings; later issues add pacing and webhooks here. */
  [key: string]: unknown;
}

/**
 * Settings as they are stored and shown: the secret of the instance's own webhook
 * (`settings.webhook.secret`) is kept in its webhook row only, never in the settings.
 */
export function withoutSecrets(settings: InstanceSettings): InstanceSettings {
  const hook = settings.webhook;
  if (!hook || typeof hook !== 'object' || !('secret' in hook)) return settings;
  const { secret: _secret, ...rest } = hook as Record<string, unknown>;
  return { ...settings, webhook: rest };
}

export interface Instance {
  id: string;
  tenantId: string | null;
  name: string;
  status: InstanceStatus;
  desiredState: DesiredState;
  phone: string | null;
  jid: string | null;
  lid: string | null;
  pushName: string | null;
  qr: string | null;
  qrUpdatedAt: Date | null;
  pairingCode: string | null;
  pairingExpiresAt: Date | null;
  connectedAt: Date | null;
  lastError: string | null;
  /** The server (WhatsApp, or a simulator by its root key) that issued its credentials. */
  linkedServer: string | null;
  /** In fleet mode, the node holding the instance's lease (null when none holds it now). */
  owner: string | null;
  settings: InstanceSettings;
  /** The operator's free label (at most 100 characters); instances can be listed by it. */
  label: string | null;
  /** The operator's own JSON object (at most 4 KiB serialized); {} when none was given. */
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface InstanceEvent {
  id: number;
  instanceId: string;
  tenantId: string | null;
  type: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

/** Statuses in which the instance holds (or is getting) a live socket. */
export const LIVE_STATUSES: ReadonlySet<InstanceStatus> = new Set([
  'connecting',
  'qr',
  'pairing',
  'connected',
  'disconnected',
]);

/** Statuses that say the instance holds no credentials: unlinked, or showing a QR or pairing code. */
const UNLINKED_STATUSES: ReadonlySet<InstanceStatus> = new Set(['logged_out', 'qr', 'pairing']);

/**
 * Whether the instance is linked to a phone (it was once, and has not been logged out since), so a
 * message for it can go once it is connected; a stopped or disconnected linked instance still is.
 */
export const isLinked = (instance: Pick<Instance, 'jid' | 'status'>): boolean =>
  instance.jid !== null && !UNLINKED_STATUSES.has(instance.status);
