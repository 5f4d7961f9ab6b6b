/**
 * Request bodies for the routes a new user calls first (`METHOD path`), where the route schema
 * has none. A test sends each one to its route: the route's own validator must take it.
 */
export const REQUEST_EXAMPLES: Readonly<Record<string, unknown>> = {
  'POST /api/v1/instances': { name: 'shop' },
  'PATCH /api/v1/instances/{id}': {
    label: 'store-sp',
    metadata: { crmAccount: 'ACME-042' },
    settings: {
      pacing: { minDelayMs: 1000, maxDelayMs: 4000 },
      webhook: { url: 'https://example.com/hooks/zapgate', events: ['message.*'] },
    },
  },
  'POST /api/v1/instances/{id}/pairing-code': { phoneNumber: '5511987654321' },
  'PATCH /api/v1/instances/{id}/messages/{msgId}': { text: 'Your order #1042 ships tomorrow' },
  'POST /api/v1/webhooks': {
    url: 'https://example.com/hooks/zapgate',
    events: ['message.received', 'message.status'],
    instance: 'shop',
  },
  'POST /api/v1/instances/{id}/campaigns': {
    name: 'December promo',
    message: { type: 'text', text: 'Hi {{name}}, your code is {{code}}' },
    dedupe: true,
    recipients: [
      { to: '5511912345678', vars: { name: 'Ana', code: 'XMAS10' } },
      { to: '5511923456789', vars: { name: 'Bruno', code: 'XMAS15' } },
      { to: '+55 11 91234-5678', vars: { name: 'Ana again', code: 'XMAS20' } },
    ],
  },
  'POST /api/v1/tenants': { name: 'Acme' },
};
