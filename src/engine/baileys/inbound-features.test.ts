import type { proto, WAMessage } from 'baileys';
import { describe, expect, it } from 'vitest';
import { mapInbound } from './inbound-mapper.ts';

const msg = (message: proto.IMessage): WAMessage => ({
  key: { remoteJid: '15550002222@s.whatsapp.net', fromMe: false, id: 'ABC' },
  message,
  messageTimestamp: 1_800_000_000,
});

describe('what a received message says of itself: forwarded, view once', () => {
  it('keeps the forwarding score, so forwarding it again counts on from it', () => {
    const text = mapInbound(
      msg({ extendedTextMessage: { text: 'fw', contextInfo: { isForwarded: true, forwardingScore: 3 } } }),
    );
    expect(text).toMatchObject({ content: { text: 'fw', forwardingScore: 3 } });
    const unscored = mapInbound(
      msg({ extendedTextMessage: { text: 'fw', contextInfo: { isForwarded: true } } }),
    );
    expect(unscored).toMatchObject({ content: { forwardingScore: 1 } });
    const plain = mapInbound(
      msg({ extendedTextMessage: { text: 'own', contextInfo: { forwardingScore: 0 } } }),
    );
    expect(plain && 'content' in plain ? plain.content : {}).not.toHaveProperty('forwardingScore');
  });

  it('marks view-once media, in either wrapping', () => {
    const image = { imageMessage: { mimetype: 'image/jpeg', caption: 'once' } };
    for (const wrapped of [
      { viewOnceMessage: { message: image } },
      { viewOnceMessageV2: { message: image } },
    ]) {
      expect(mapInbound(msg(wrapped))).toMatchObject({
        type: 'image',
        content: { caption: 'once', viewOnce: true },
      });
    }
    const plain = mapInbound(msg(image));
    expect(plain && 'content' in plain ? plain.content : {}).not.toHaveProperty('viewOnce');
  });
});
