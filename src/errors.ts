/**
 * Every error the gateway reports to a caller: a stable code, the HTTP status it maps to, and a
 * message that says what to fix. One handler (http/error-handler.ts) turns them into responses.
 */
export class ZapgateError extends Error {
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ZapgateError';
  }
}

type Factory<A extends unknown[]> = (...args: A) => ZapgateError;
const coded =
  <A extends unknown[]>(
    code: string,
    status: number,
    message: (...args: A) => string,
    details?: (...args: A) => unknown,
  ): Factory<A> =>
  (...args) =>
    new ZapgateError(code, status, message(...args), details?.(...args));

export const Errors = {
  validation: (message: string, details?: unknown) =>
    new ZapgateError('ZG_ERR_VALIDATION', 400, message, details),
  invalidPhone: coded(
    'ZG_ERR_INVALID_PHONE',
    400,
    (value: string) => `"${value}" is not a phone number in international form (digits, country code first)`,
  ),
  unauthorized: coded(
    'ZG_ERR_UNAUTHORIZED',
    401,
    () => 'missing or invalid API key (send Authorization: Bearer <key> or X-Api-Key)',
  ),
  invalidCredentials: coded(
    'ZG_ERR_INVALID_CREDENTIALS',
    401,
    () => 'wrong API key, or wrong user name or password',
  ),
  csrf: coded(
    'ZG_ERR_CSRF',
    403,
    (what: string) => `a change made with the session cookie needs ${what}; sign in from the dashboard`,
  ),
  metricsUnauthorized: coded(
    'ZG_ERR_UNAUTHORIZED',
    401,
    () => 'missing or invalid metrics token (send Authorization: Bearer <METRICS_TOKEN>)',
  ),
  rateLimited: coded(
    'ZG_ERR_RATE_LIMITED',
    429,
    (what: string, retryAfterSeconds: number) => `${what}; retry in ${retryAfterSeconds} s`,
  ),
  streamLimit: coded(
    'ZG_ERR_RATE_LIMITED',
    429,
    (max: number) =>
      `this key already holds ${max} open streams and sockets (MAX_STREAMS_PER_KEY); close one first`,
  ),
  forbidden: coded('ZG_ERR_FORBIDDEN', 403, (what: string) => `this key may not ${what}`),
  notFound: coded('ZG_ERR_NOT_FOUND', 404, (what: string) => `${what} not found`),
  routeNotFound: coded(
    'ZG_ERR_ROUTE_NOT_FOUND',
    404,
    (method: string, url: string) => `no route ${method} ${url}`,
  ),
  methodNotAllowed: coded(
    'ZG_ERR_METHOD_NOT_ALLOWED',
    405,
    (method: string, url: string, allow: readonly string[]) =>
      `${method} is not allowed on ${url}; it answers ${allow.join(', ')}`,
    (_method: string, _url: string, allow: readonly string[]) => ({ allow }),
  ),
  conflict: coded('ZG_ERR_CONFLICT', 409, (message: string) => message),
  otherServer: coded(
    'ZG_ERR_OTHER_SERVER',
    409,
    (name: string, linked: string, here: string) =>
      `instance ${name} is linked on server ${linked}, and this gateway talks to ${here}: ` +
      'run it from a gateway configured for its own server (or delete it there)',
  ),
  alreadyConnected: coded(
    'ZG_ERR_ALREADY_CONNECTED',
    409,
    (name: string) => `instance ${name} is already connected; log it out first`,
  ),
  instanceLimit: coded(
    'ZG_ERR_INSTANCE_LIMIT',
    409,
    (max: number) =>
      `the gateway runs at most ${max} instances (MAX_INSTANCES); delete one or raise the limit`,
  ),
  invalidMedia: coded(
    'ZG_ERR_INVALID_MEDIA',
    400,
    (message: string, _field: string) => message,
    (_message: string, field: string) => ({ field }),
  ),
  notLinked: coded(
    'ZG_ERR_NOT_LINKED',
    409,
    (name: string, status: string) =>
      `instance ${name} is not linked to a phone (status ${status}): nothing sent to it can go; link it first`,
  ),
  notAcceptable: coded('ZG_ERR_NOT_ACCEPTABLE', 406, (what: string) => what),
  payloadTooLarge: coded(
    'ZG_ERR_PAYLOAD_TOO_LARGE',
    413,
    (limit: number) => `body larger than ${limit} bytes`,
  ),
  unsupportedMedia: coded(
    'ZG_ERR_UNSUPPORTED_MEDIA_TYPE',
    415,
    (type: string) => `content type ${type} is not accepted; send application/json`,
  ),
  noOwner: coded(
    'ZG_ERR_NO_OWNER',
    503,
    (name: string) => `no live worker holds instance ${name} right now; try again in a few seconds`,
  ),
  unavailable: coded('ZG_ERR_UNAVAILABLE', 503, (message: string) => message),
  timeout: coded('ZG_ERR_TIMEOUT', 504, (what: string) => `timed out waiting for ${what}`),
  linkTimeout: coded(
    'ZG_ERR_TIMEOUT',
    504,
    (instance: { id: string; name: string; status: string }, waitMs: number) =>
      `no QR code and no connection for instance ${instance.name} within ${waitMs} ms (status ` +
      `${instance.status}); it goes on starting: GET /instances/${instance.id}/qr`,
    (instance: { id: string; name: string; status: string }) => ({
      id: instance.id,
      name: instance.name,
      status: instance.status,
    }),
  ),
  linkEnded: coded(
    'ZG_ERR_LINK_ENDED',
    409,
    (instance: { id: string; name: string; status: string; lastError: string | null }) =>
      `instance ${instance.name} ended ${instance.status} before a QR code or a connection` +
      (instance.lastError ? `: ${instance.lastError}` : ''),
    (instance: { id: string; name: string; status: string; lastError: string | null }) => ({
      id: instance.id,
      name: instance.name,
      status: instance.status,
      lastError: instance.lastError,
    }),
  ),
} as const;
