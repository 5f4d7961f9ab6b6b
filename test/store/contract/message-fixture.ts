import type { NewMessage } from '../../../src/store/repositories.ts';
import { unique } from './fixture.ts';

/** A queued outbound text message with fresh ids; override what a test cares about. */
export const newMessage = (overrides: Partial<NewMessage> = {}): NewMessage => ({
  id: unique('msg'),
  instanceId: 'instance',
  tenantId: null,
  waMessageId: unique('WA'),
  direction: 'outbound',
  chatJid: '5511999990000@s.whatsapp.net',
  type: 'text',
  content: { text: 'hello' },
  status: 'queued',
  ...overrides,
});

/** An inbound message as WhatsApp delivered it. */
export const inbound = (overrides: Partial<NewMessage> = {}): NewMessage =>
  newMessage({ direction: 'inbound', status: 'received', ...overrides });

export const chat = (n: number): string => `55119${String(n).padStart(8, '0')}@s.whatsapp.net`;

export const at = (millis: number): Date => new Date(millis);
