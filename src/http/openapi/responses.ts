import { Errors, type ZapgateError } from '../../errors.ts';

/** The body of every error, as `components.schemas.Error`. */
export const ErrorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', pattern: '^ZG_ERR_[A-Z0-9_]+$', description: 'stable; switch on it' },
        message: { type: 'string', description: 'what went wrong and what to fix, in words' },
        details: { description: 'more, when there is more: the field, the failing checks, the message' },
      },
    },
  },
};

/** What the error handler sends for `err` (http/error-handler.ts), as a named example. */
const example = (summary: string, err: Pick<ZapgateError, 'code' | 'message' | 'details'>) => ({
  summary,
  value: {
    error: {
      code: err.code,
      message: err.message,
      ...(err.details === undefined ? {} : { details: err.details }),
    },
  },
});

const missingTo = Errors.validation("invalid body: body must have required property 'to'", [
  { message: "must have required property 'to'", params: { missingProperty: 'to' } },
]);

/** The named error responses, each with the codes a caller really meets at that status. */
interface NamedError {
  status: number;
  description: string;
  examples: Record<string, unknown>;
  headers?: Record<string, unknown>;
}
const ERRORS: Record<string, NamedError> = {
  ValidationError: {
    status: 400,
    description: 'The request is malformed: the message names the field to fix.',
    examples: {
      validation: example('A required field is missing', missingTo),
      phone: example('Not a phone number', Errors.invalidPhone('call me')),
      media: example(
        'Media that is not what it says',
        Errors.invalidMedia('base64 is not valid base64', 'base64'),
      ),
    },
  },
  Unauthorized: {
    status: 401,
    description: 'No key, a wrong key, or a revoked one.',
    examples: { unauthorized: example('Missing or invalid key', Errors.unauthorized()) },
  },
  Forbidden: {
    status: 403,
    description:
      'The key may not do this (tenant management is admin only), or a cookie change lacks its CSRF header.',
    examples: {
      forbidden: example('Admin only', Errors.forbidden('manage tenants (admin key only)')),
      csrf: example('Cookie without the CSRF header', Errors.csrf('a x-requested-with header')),
    },
  },
  NotFound: {
    status: 404,
    description: "No such thing for this key (another tenant's instance is a 404 too).",
    examples: { notFound: example('Unknown instance', Errors.notFound('instance shop')) },
  },
  NotAcceptable: {
    status: 406,
    description: 'The Accept header asks for a form the route cannot give.',
    examples: {
      notAcceptable: example(
        'Unsupported Accept',
        Errors.notAcceptable('send Accept: image/png or application/json'),
      ),
    },
  },
  Conflict: {
    status: 409,
    description: "The request is fine, but the instance's state does not allow it now.",
    examples: {
      conflict: example('Name taken', Errors.conflict('an instance named shop already exists')),
      notLinked: example('Not linked yet', Errors.notLinked('shop', 'qr')),
      limit: example('Instance limit', Errors.instanceLimit(100)),
    },
  },
  PayloadTooLarge: {
    status: 413,
    description: 'The body is over the limit of the route.',
    examples: { tooLarge: example('Body too large', Errors.payloadTooLarge(1_048_576)) },
  },
  UnsupportedMediaType: {
    status: 415,
    description: 'The Content-Type is not one the route reads.',
    examples: {
      unsupported: example('Form-encoded body', Errors.unsupportedMedia('application/x-www-form-urlencoded')),
    },
  },
  SendFailed: {
    status: 422,
    description: 'With ?wait=sent: the message failed; details holds the message with its error.',
    examples: {
      failed: example('Media URL unreachable', {
        code: 'ZG_ERR_MEDIA_UNREACHABLE',
        message: 'https://example.com/catalog/shoe.jpg answered 404',
        details: { id: '0193a6f2-5b1e-7c3d-9f00-6a1b2c3d4e5f', status: 'failed' },
      }),
    },
  },
  RateLimited: {
    status: 429,
    description:
      'Too many requests for this key (RATE_LIMIT_PER_MINUTE), or too many failed keys; see Retry-After.',
    examples: {
      rateLimited: example('Over the budget', Errors.rateLimited('more than 300 requests a minute', 12)),
    },
    headers: {
      'Retry-After': { description: 'seconds until the budget has room again', schema: { type: 'integer' } },
    },
  },
  Unavailable: {
    status: 503,
    description: 'No worker holds the instance right now (fleet), or the gateway is degraded; try again.',
    examples: { noOwner: example('No live owner', Errors.noOwner('shop')) },
  },
  Timeout: {
    status: 504,
    description: 'Waited past the limit; the work goes on (a message stays queued).',
    examples: {
      timeout: example('Still queued', Errors.timeout('the message to be sent (it stays queued)')),
    },
  },
};

/** `components.responses`, every one with the Error schema and its examples. */
export const ERROR_RESPONSES = Object.fromEntries(
  Object.entries(ERRORS).map(([name, r]) => [
    name,
    {
      description: r.description,
      ...(r.headers ? { headers: r.headers } : {}),
      content: {
        'application/json': { schema: { $ref: '#/components/schemas/Error' }, examples: r.examples },
      },
    },
  ]),
);

/** The name of the error response of `status`, if there is one. */
export const errorResponseName = (status: string): string | undefined =>
  Object.entries(ERRORS).find(([, r]) => String(r.status) === status)?.[0];
