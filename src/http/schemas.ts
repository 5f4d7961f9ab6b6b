import { type Static, type TNumberOptions, Type } from 'typebox';
import { INSTANCE_STATUSES, type Instance, type InstanceStatus, withoutSecrets } from '../domain/instance.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });

export const ErrorBody = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ examples: ['ZG_ERR_VALIDATION'] }),
      message: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'Error' },
);

export const InstanceBody = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    tenantId: Nullable(Type.String()),
    status: Type.Unsafe<InstanceStatus>({ type: 'string', enum: [...INSTANCE_STATUSES] }),
    desiredState: Type.Union([Type.Literal('running'), Type.Literal('stopped')]),
    phone: Nullable(Type.String()),
    jid: Nullable(Type.String()),
    lid: Nullable(Type.String()),
    pushName: Nullable(Type.String()),
    connectedAt: Nullable(Timestamp),
    lastError: Nullable(Type.String()),
    pairingCode: Nullable(Type.String({ description: 'while pairing: the code to type on the phone' })),
    pairingExpiresAt: Nullable(Timestamp),
    owner: Nullable(Type.String({ description: 'the fleet node that runs the instance now (fleet mode)' })),
    settings: Type.Record(Type.String(), Type.Unknown()),
    label: Nullable(Type.String({ description: "the operator's free label (GET /instances?label=)" })),
    metadata: Type.Record(Type.String(), Type.Unknown(), { description: "the operator's own JSON object" }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { $id: 'Instance' },
);
export type InstanceJson = Static<typeof InstanceBody>;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function instanceJson(i: Instance): InstanceJson {
  return {
    id: i.id,
    name: i.name,
    tenantId: i.tenantId,
    status: i.status,
    desiredState: i.desiredState,
    phone: i.phone,
    jid: i.jid,
    lid: i.lid,
    pushName: i.pushName,
    connectedAt: iso(i.connectedAt),
    lastError: i.lastError,
    pairingCode: i.status === 'pairing' ? i.pairingCode : null,
    pairingExpiresAt: i.status === 'pairing' ? iso(i.pairingExpiresAt) : null,
    owner: i.owner,
    // rows saved before secrets were kept out of settings may still hold one
    settings: withoutSecrets(i.settings),
    label: i.label,
    metadata: i.metadata,
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}

/** Instance names are used in URLs in place of ids. */
export const InstanceName = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
});

/**
 * An integer that may arrive as text (a query string, a multipart field). Ajv coerces "Infinity"
 * and "1e309" to Infinity past its finiteness check, and then skips minimum and maximum for it;
 * the `allOf` checks the coerced value again, so they are a 400 like any other bad number.
 */
export const TextInteger = (options: TNumberOptions = {}) =>
  // capped at the safe integers: 1e21 is an integer to Ajv, and out of range for the database
  Type.Integer({
    ...options,
    maximum: options.maximum ?? Number.MAX_SAFE_INTEGER,
    allOf: [{ type: 'integer' }],
  });

/** `?limit=` of every list route: 1 to `maximum`, `fallback` when absent. */
export const Limit = (maximum: number, fallback: number) =>
  Type.Optional(TextInteger({ minimum: 1, maximum, default: fallback }));

export const IdParam = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });
export type IdParam = Static<typeof IdParam>;

export const errorResponses = {
  400: ErrorBody,
  401: ErrorBody,
  404: ErrorBody,
} as const;
