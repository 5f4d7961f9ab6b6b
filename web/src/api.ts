/** A coded error from the gateway: `{ error: { code, message } }` with its HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Calls the gateway's API with the session cookie. Every request carries `X-Requested-With`, which
 * the gateway requires of cookie-authenticated changes (a cross-site form cannot send it).
 */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { 'x-requested-with': 'zapgate-dashboard' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const json: unknown = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw new ApiError(res.status, error?.code ?? `HTTP_${res.status}`, error?.message ?? res.statusText);
  }
  return json as T;
}

export const get = <T>(path: string) => api<T>('GET', path);

/** The answer of every list route. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Every item of a list route, following `nextCursor` page by page. */
export async function getAll<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: Page<T> = await get<Page<T>>(cursor ? `${path}${separator}cursor=${enc(cursor)}` : path);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
}
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const del = (path: string) => api<void>('DELETE', path);

export interface Session {
  kind: 'admin' | 'tenant';
  tenantId: string | null;
  expiresAt: string;
}

export interface Instance {
  id: string;
  name: string;
  tenantId: string | null;
  status: string;
  desiredState: 'running' | 'stopped';
  phone: string | null;
  pushName: string | null;
  connectedAt: string | null;
  lastError: string | null;
  settings: Record<string, unknown>;
  createdAt: string;
}

export interface QrAnswer {
  available: boolean;
  qr: string | null;
  qrDataUrl: string | null;
  updatedAt: string | null;
  status: string;
}

/** The envelope of every event (SSE, socket.io, webhooks). */
export interface GatewayEvent {
  id: string;
  event: string;
  instance: { id: string; name: string };
  tenantId: string | null;
  timestamp: string;
  data: Record<string, unknown>;
}

export const enc = encodeURIComponent;
