import { signPayload } from '../../webhooks/signing.ts';

const EXAMPLE_EVENT = {
  id: '0193a6f4-7a8b-7c9d-8e0f-1a2b3c4d5e6f',
  event: 'message.received',
  instance: { id: '0193a6f2-5b1e-7c3d-9f00-6a1b2c3d4e5f', name: 'shop' },
  tenantId: null,
  timestamp: '2026-12-01T12:00:00.000Z',
  data: {
    id: '0193a6f4-0000-7000-8000-00000000000a',
    waMessageId: '3EB0D1F2A3B4C5D6E7F8',
    direction: 'inbound',
    chat: '5511912345678@s.whatsapp.net',
    type: 'text',
    content: {
      text: 'Is it still available?',
      sender: { jid: '5511912345678@s.whatsapp.net', phone: '5511912345678', lid: null, pushName: 'Ana' },
    },
    status: 'received',
    error: null,
    attempts: 0,
    campaignId: null,
    createdAt: '2026-12-01T12:00:00.000Z',
    sentAt: null,
    deliveredAt: null,
    readAt: null,
  },
};
const TIMESTAMP = '1796126400';

const header = (name: string, description: string, example: string) => ({
  name,
  in: 'header',
  required: true,
  description,
  schema: { type: 'string' },
  example,
});

/**
 * What the gateway POSTs to a webhook's URL, as an OpenAPI callback of the route that creates
 * the webhook: the envelope, the headers, how to check the signature, what answer counts.
 */
export function webhookCallback(): Record<string, unknown> {
  return {
    event: {
      '{$request.body#/url}': {
        post: {
          summary: 'What the gateway sends to your URL, once per event',
          description:
            'Check X-Webhook-Signature: `sha256=` and the hex HMAC-SHA256 of `<X-Webhook-Timestamp>.<raw body>` ' +
            'keyed with the webhook secret. Answer 2xx; anything else is retried with backoff until ' +
            'WEBHOOK_MAX_AGE_HOURS (a 4xx other than 408 and 429 is not retried). The same event may arrive ' +
            'twice: X-Webhook-Id is its id.',
          parameters: [
            header('X-Webhook-Id', 'the event id (the envelope id): drop repeats by it', EXAMPLE_EVENT.id),
            header('X-Webhook-Event', 'the event name', EXAMPLE_EVENT.event),
            header('X-Webhook-Timestamp', 'Unix seconds when this attempt was signed', TIMESTAMP),
            header(
              'X-Webhook-Signature',
              'sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>',
              signPayload('whsec_3d9f2c1b7a6e5d4c', TIMESTAMP, JSON.stringify(EXAMPLE_EVENT)),
            ),
            header(
              'X-Webhook-Delivery',
              'this delivery (see GET /webhooks/{id}/deliveries)',
              EXAMPLE_EVENT.id,
            ),
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/Event' }, example: EXAMPLE_EVENT },
            },
          },
          responses: {
            '2XX': { description: 'Taken: the delivery is done' },
            default: { description: 'Anything else: retried later' },
          },
        },
      },
    },
  };
}
