export interface Tenant {
  id: string;
  name: string;
  createdAt: Date;
}

export interface ApiKeyRecord {
  id: string;
  tenantId: string;
  /** The first characters of the key, kept in clear so an operator can tell keys apart. */
  prefix: string;
  hash: string;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Who is calling: the operator (admin key) or one tenant. */
export type Principal = { kind: 'admin' } | { kind: 'tenant'; tenantId: string; keyId: string };
