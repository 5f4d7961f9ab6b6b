const WHEN = '2026-12-01T12:00:00.000Z';
const LATER = '2026-12-01T12:00:02.000Z';
const PHONE = '5511987654321';

const instance = {
  id: '0193a6f2-5b1e-7c3d-9f00-6a1b2c3d4e5f',
  name: 'shop',
  tenantId: null,
  status: 'connected',
  desiredState: 'running',
  phone: PHONE,
  jid: `${PHONE}@s.whatsapp.net`,
  lid: '81234567890123@lid',
  pushName: 'Loja Paulista',
  connectedAt: WHEN,
  lastError: null,
  pairingCode: null,
  pairingExpiresAt: null,
  owner: null,
  settings: { webhook: { url: 'https://example.com/hooks/zapgate', events: ['message.*'] } },
  label: 'store-sp',
  metadata: { crmAccount: 'ACME-042', region: 'sudeste' },
  createdAt: WHEN,
  updatedAt: WHEN,
};
const created = {
  ...instance,
  status: 'connecting',
  phone: null,
  jid: null,
  lid: null,
  pushName: null,
  connectedAt: null,
  settings: {},
};

const message = {
  id: '0193a6f3-1c2d-7e4f-8a00-1b2c3d4e5f60',
  waMessageId: '3EB0C431C26A1916E07A',
  direction: 'outbound',
  chat: `${PHONE}@s.whatsapp.net`,
  type: 'text',
  content: { text: 'Your order #1042 has shipped 📦' },
  status: 'delivered',
  error: null,
  attempts: 1,
  campaignId: null,
  createdAt: WHEN,
  sentAt: LATER,
  deliveredAt: LATER,
  readAt: null,
};

const metricsSummary = {
  generatedAt: WHEN,
  instances: { total: 2, byStatus: { connected: 2, qr: 0, failed: 0 } },
  messages: {
    total: 120,
    inbound: 70,
    outbound: 50,
    failed: 2,
    last24h: 35,
    failedLast24h: 1,
    byStatus: { queued: 1, sent: 4, delivered: 40, read: 73, failed: 2 },
  },
  latestMessages: [
    {
      id: message.id,
      instanceId: instance.id,
      direction: 'outbound',
      chat: `${PHONE}@s.whatsapp.net`,
      type: 'text',
      status: 'delivered',
      errorCode: null,
      createdAt: WHEN,
    },
  ],
  webhooks: { pending: 0, dead: 0 },
  http: { samples: 2048, window: 2048, total: 91_234, p50Ms: 3.1, p95Ms: 18.4, p99Ms: 52.7 },
};

/**
 * The success answers a new user reads first, written out by hand (`METHOD path status`); the
 * others are derived from their schemas. A test checks every one against its schema.
 */
export const SUCCESS_EXAMPLES: Readonly<Record<string, unknown>> = {
  'POST /api/v1/instances 201': created,
  'GET /api/v1/instances 200': { items: [instance], nextCursor: null },
  'GET /api/v1/instances/{id} 200': instance,
  'PATCH /api/v1/instances/{id} 200': instance,
  'GET /api/v1/instances/{id}/qr 200': {
    available: true,
    qr: '2@Zm9vYmFy,aGVsbG8=,d29ybGQ=,MQ==',
    qrDataUrl: 'data:image/png;base64,iVBORw0KGgo=',
    updatedAt: WHEN,
    status: 'qr',
  },
  'POST /api/v1/instances/{id}/pairing-code 200': {
    pairingCode: 'K7QP9XZ2',
    expiresAt: '2026-12-01T12:03:00.000Z',
  },
  'POST /api/v1/instances/{id}/messages 202': {
    id: message.id,
    waMessageId: message.waMessageId,
    status: 'queued',
  },
  'POST /api/v1/instances/{id}/messages 201': { ...message, status: 'sent', deliveredAt: null },
  'GET /api/v1/instances/{id}/messages 200': { items: [message], nextCursor: null },
  'GET /api/v1/instances/{id}/messages/{msgId} 200': message,
  'GET /api/v1/metrics 200': metricsSummary,
  'PATCH /api/v1/instances/{id}/messages/{msgId} 200': {
    ...message,
    content: { text: 'Your order #1042 ships tomorrow', edited: true },
  },
  'DELETE /api/v1/instances/{id}/messages/{msgId} 200': {
    ...message,
    content: { ...message.content, revoked: true },
  },
};

/** What a success answer holds, where its status alone ("OK", "Created") says too little. */
export const SUCCESS_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'POST /api/v1/instances 201': 'Created: the instance, already connecting unless start was false',
  'GET /api/v1/instances 200':
    'A page of the instances this key can see, oldest first; nextCursor for the next',
  'GET /api/v1/instances/{id} 200': 'The instance, with its status and settings',
  'GET /api/v1/instances/{id}/qr 200':
    'The current QR code as JSON, or the PNG itself with Accept: image/png',
  'POST /api/v1/instances/{id}/pairing-code 200': 'The code to type on the phone, and until when it works',
  'POST /api/v1/instances/{id}/messages 201': 'Sent (with ?wait=sent): the message as stored',
  'GET /api/v1/instances/{id}/messages 200': 'A page of the history, newest first; nextCursor for the next',
  'GET /api/v1/instances/{id}/messages/{msgId} 200': 'The message, with its status and timestamps',
};
