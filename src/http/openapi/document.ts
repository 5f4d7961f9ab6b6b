import type { SwaggerOptions } from '@fastify/swagger';
import { CSRF_HEADER } from '../../auth/session-service.ts';
import { SESSION_COOKIE } from '../../auth/session-tokens.ts';
import {
  EVENT_DATA,
  EVENT_NAMES,
  envelopeOf,
  eventSchemaName,
  MessageContentSchema,
} from './event-schemas.ts';
import { refineDocument } from './refine.ts';
import { ERROR_RESPONSES, ErrorSchema } from './responses.ts';

/** The tags in the order a new user meets them, each with what it is for. */
export const TAGS: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'instances', description: 'One instance is one WhatsApp number: create, start, stop, settings.' },
  { name: 'linking', description: 'Link an instance to a phone: the QR code to scan, or a pairing code.' },
  { name: 'messages', description: 'Send every message type, read the history, edit, revoke, react.' },
  {
    name: 'webhooks',
    description: 'Events POSTed to your URL, signed (X-Webhook-Signature), retried; the deliveries log.',
  },
  {
    name: 'events',
    description: 'The same events live, as server-sent events (or socket.io on /socket.io).',
  },
  { name: 'campaigns', description: 'One template, many recipients: paced bulk sends with progress.' },
  { name: 'groups', description: 'Groups of an instance: create, members, invite links, settings.' },
  { name: 'chats', description: "An instance's chats: list, archive, mute, mark read, delete." },
  { name: 'contacts', description: 'Contacts, numbers on WhatsApp, blocking, presence.' },
  { name: 'profile', description: "The number's own name, about, picture and privacy." },
  { name: 'tenants', description: 'Tenants and their API keys (admin key only).' },
  { name: 'auth', description: "The dashboard's sign-in: a session cookie in place of a key." },
  { name: 'metrics', description: 'Counts for dashboards (JSON) and for Prometheus.' },
  { name: 'fleet', description: 'The nodes of a fleet and the instances each one runs.' },
  { name: 'health', description: 'Liveness and readiness, without a key.' },
];

const INTRO = `Zapgate runs many WhatsApp numbers ("instances") and gives your software one HTTP API to send,
receive (webhooks, SSE, socket.io) and keep the history of their messages.

## Authentication
Every \`/api/v1\` route needs a key: \`Authorization: Bearer <key>\` or \`X-API-Key: <key>\`. The admin key
(\`API_KEY\`, or the one printed at first start and kept in \`./data/admin-api-key\`) sees everything; a
tenant's key sees only its tenant's instances (another tenant's instance is a 404). The dashboard signs
in with \`POST /api/v1/auth/login\` and then sends the \`${SESSION_COOKIE}\` session cookie instead, with an
\`${CSRF_HEADER}\` header on every change. Errors are \`{ "error": { "code": "ZG_ERR_…", "message", "details"? } }\`.

## Quick start
\`\`\`sh
KEY=<admin key>; GW=http://localhost:3000/api/v1; H="Authorization: Bearer $KEY"
curl -s -XPOST $GW/instances -H "$H" -H 'content-type: application/json' -d '{"name":"shop"}'
curl -s $GW/instances/shop/qr -H "$H" -H 'accept: image/png' -o qr.png   # scan it: WhatsApp → Linked devices
curl -s $GW/instances/shop -H "$H"                                        # wait for "status": "connected"
curl -s -XPOST $GW/instances/shop/messages -H "$H" -H 'content-type: application/json' -d '{"to":"5511987654321","type":"text","text":"Hello"}'
\`\`\``;

/** `components.schemas`: the error body, message content, and every event's envelope by name. */
function schemas(): Record<string, unknown> {
  const events = Object.fromEntries(EVENT_NAMES.map((name) => [eventSchemaName(name), envelopeOf(name)]));
  return {
    Error: ErrorSchema,
    MessageContent: MessageContentSchema,
    EventName: { type: 'string', enum: [...EVENT_NAMES], description: 'every event the gateway publishes' },
    Event: {
      type: 'object',
      title: 'Event',
      description: 'The one envelope of webhooks, SSE and socket.io; `event` tells which `data` it holds.',
      discriminator: { propertyName: 'event' },
      oneOf: EVENT_NAMES.map((name) => ({ $ref: `#/components/schemas/${eventSchemaName(name)}` })),
    },
    ...events,
    ...Object.fromEntries(
      Object.entries(EVENT_DATA).map(([name, data]) => [`${eventSchemaName(name)}Data`, data]),
    ),
  };
}

/** The options of @fastify/swagger: the document's frame, refined once the routes are in. */
export function openapiOptions(): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Zapgate', version: '1', description: INTRO },
      tags: [...TAGS],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'an admin or tenant API key' },
          apiKey: {
            type: 'apiKey',
            in: 'header',
            name: 'X-API-Key',
            description: 'the same key, another header',
          },
          session: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description: `the dashboard's session (POST /api/v1/auth/login); changes also need ${CSRF_HEADER}`,
          },
        },
        schemas: schemas() as never,
        responses: ERROR_RESPONSES as never,
      },
      security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
    },
    transformObject: (documentObject) =>
      refineDocument((documentObject as { openapiObject: never }).openapiObject),
  };
}
