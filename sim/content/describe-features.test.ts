import { proto } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MediaHost, startMediaHost } from '../media/media-host.ts';
import { generateTlsMaterial } from '../media/tls-material.ts';
import { composeMessage } from './compose-message.ts';
import { describeMessage } from './describe-message.ts';

const CONTACT = '15557654321@s.whatsapp.net';
const OTHER = '15550001111@s.whatsapp.net';
const MSG_ID = '3EB0A1B2C3D4E5F60718';

let host: MediaHost;
beforeAll(async () => {
  host = await startMediaHost({ tls: await generateTlsMaterial() });
});
afterAll(async () => {
  await host.close();
});

const overTheWire = (message: proto.IMessage): proto.IMessage =>
  proto.Message.decode(proto.Message.encode(message).finish());

describe('what a message carries besides its content', () => {
  it('a text with a link card: matched text, title, description and thumbnail', async () => {
    const thumb = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const text = {
      extendedTextMessage: {
        text: 'see https://example.com/sale',
        matchedText: 'https://example.com/sale',
        title: 'Summer sale',
        description: 'Up to 50% off',
        jpegThumbnail: thumb,
        previewType: proto.Message.ExtendedTextMessage.PreviewType.NONE,
      },
    };
    expect(await describeMessage(overTheWire(text), host)).toEqual({
      type: 'text',
      content: {
        text: 'see https://example.com/sale',
        linkPreview: {
          matchedText: 'https://example.com/sale',
          title: 'Summer sale',
          description: 'Up to 50% off',
          jpegThumbnail: thumb.toString('base64'),
        },
      },
    });
    const plain = { extendedTextMessage: { text: 'no card https://example.com' } };
    expect((await describeMessage(overTheWire(plain), host)).content).toEqual({
      text: 'no card https://example.com',
    });
  });

  it('forwarded content with its score, and mentions', async () => {
    const forwarded = {
      extendedTextMessage: {
        text: 'passed on',
        contextInfo: { isForwarded: true, forwardingScore: 2, mentionedJid: [CONTACT, OTHER] },
      },
    };
    expect((await describeMessage(overTheWire(forwarded), host)).content).toEqual({
      text: 'passed on',
      mentions: [CONTACT, OTHER],
      forwarded: true,
      forwardingScore: 2,
    });
    const location = {
      locationMessage: { degreesLatitude: 1, degreesLongitude: 2, contextInfo: { isForwarded: true } },
    };
    expect((await describeMessage(overTheWire(location), host)).content).toMatchObject({
      forwarded: true,
      forwardingScore: 0,
    });
    const reply = { extendedTextMessage: { text: 'r', contextInfo: { stanzaId: MSG_ID } } };
    expect((await describeMessage(overTheWire(reply), host)).content).toEqual({ text: 'r', replyTo: MSG_ID });
  });

  it('view-once media in either wrapping, forwarded media', async () => {
    const ctx = { media: host, senderJid: CONTACT, chatJid: OTHER };
    const { message } = await composeMessage({ type: 'image', data: 'AAECAw==', caption: 'once' }, ctx);
    for (const wrapped of [{ viewOnceMessage: { message } }, { viewOnceMessageV2: { message } }]) {
      const described = await describeMessage(overTheWire(wrapped), host);
      expect(described.type).toBe('image');
      expect(described.content).toMatchObject({ caption: 'once', data: 'AAECAw==', viewOnce: true });
    }
    expect((await describeMessage(overTheWire(message), host)).content).not.toHaveProperty('viewOnce');
    const image = { ...message.imageMessage, contextInfo: { isForwarded: true, forwardingScore: 1 } };
    expect((await describeMessage(overTheWire({ imageMessage: image }), host)).content).toMatchObject({
      data: 'AAECAw==',
      forwarded: true,
      forwardingScore: 1,
    });
  });
});
