import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../engine.ts';
import { SendError } from '../engine.ts';
import { statusSendOptions } from './status-options.ts';

const message = (chatJid: string, content: OutgoingMessage['content']): OutgoingMessage => ({
  chatJid,
  waMessageId: '3EB0AAAA',
  type: 'text',
  content,
});

describe('Baileys options of a status update', () => {
  it('name the audience by jid, mark it a broadcast and carry the text style', () => {
    const options = statusSendOptions(
      message('status@broadcast', {
        text: 'hi',
        statusContacts: ['5511987654321', '5511912345678'],
        backgroundColor: '#FF25D366',
        font: 0,
      }),
    );
    expect(options).toEqual({
      statusJidList: ['5511987654321@s.whatsapp.net', '5511912345678@s.whatsapp.net'],
      broadcast: true,
      backgroundColor: '#FF25D366',
      font: 0,
    });
  });

  it('are none for a chat, and a permanent failure for a status without its audience', () => {
    expect(statusSendOptions(message('5511987654321@s.whatsapp.net', { text: 'hi' }))).toEqual({});
    const err = (() => {
      try {
        statusSendOptions(message('status@broadcast', { text: 'hi' }));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SendError);
    expect(err).toMatchObject({ code: 'ZG_ERR_INVALID_CONTENT', transient: false });
  });
});
