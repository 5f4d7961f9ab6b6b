import { randomBytes } from 'node:crypto';
import { proto } from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MediaHost, startMediaHost } from '../media/media-host.ts';
import { generateTlsMaterial } from '../media/tls-material.ts';
import { type ComposeContext, composeMessage } from './compose-message.ts';
import { describeMessage } from './describe-message.ts';

const ACCOUNT = '15551234567@s.whatsapp.net';
const CONTACT = '15557654321@s.whatsapp.net';
const GROUP = '120363000000000001@g.us';
const MSG_ID = '3EB0A1B2C3D4E5F60718';

let host: MediaHost;
let ctx: ComposeContext;

beforeAll(async () => {
  host = await startMediaHost({ tls: await generateTlsMaterial() });
  ctx = { media: host, senderJid: CONTACT, chatJid: ACCOUNT };
});
afterAll(async () => {
  await host.close();
});

const overTheWire = (message: proto.IMessage): proto.IMessage =>
  proto.Message.decode(proto.Message.encode(message).finish());

describe('media that cannot be fetched or decrypted', () => {
  it('reports missing or tampered media instead of throwing', async () => {
    const { message } = await composeMessage(
      { type: 'image', data: randomBytes(64).toString('base64') },
      ctx,
    );
    const image = message.imageMessage ?? {};
    const missing = await describeMessage({ imageMessage: { ...image, directPath: '/v/gone.enc' } }, host);
    expect(missing.content).toMatchObject({ data: null, error: expect.stringContaining('no media') });

    const stored = host.get(image.directPath ?? '') ?? Buffer.alloc(0);
    const tampered = Buffer.from(stored);
    tampered[5] = (tampered[5] ?? 0) ^ 0xff;
    const { directPath } = host.put(tampered, 'image');
    const noHash = { ...image, directPath, fileEncSha256: null };
    const bad = await describeMessage({ imageMessage: noHash }, host);
    expect(bad.content).toMatchObject({ data: null, error: expect.stringContaining('MAC') });

    const wrongKey = await describeMessage({ imageMessage: { ...image, mediaKey: randomBytes(32) } }, host);
    expect(wrongKey.content).toMatchObject({ data: null, error: expect.stringContaining('MAC') });
    const noKey = await describeMessage({ imageMessage: { ...image, mediaKey: null } }, host);
    expect(noKey.content).toMatchObject({ data: null, error: expect.stringContaining('mediaKey') });
  });
});

describe('describing containers and oddities', () => {
  it('unwraps device-sent, ephemeral, view-once and document-with-caption wrappers', async () => {
    const { message } = await composeMessage({ type: 'image', data: 'AAECAw==', caption: 'c' }, ctx);
    const wrapped: proto.IMessage = {
      deviceSentMessage: {
        destinationJid: CONTACT,
        message: { ephemeralMessage: { message: { viewOnceMessageV2: { message } } } },
      },
    };
    const described = await describeMessage(overTheWire(wrapped), host);
    expect(described.type).toBe('image');
    expect(described.content).toMatchObject({ caption: 'c', data: 'AAECAw==', viewOnce: true });
    const doc = await composeMessage({ type: 'document', data: 'AAECAw==', caption: 'see' }, ctx);
    const docWrapped = { documentWithCaptionMessage: { message: doc.message } };
    expect((await describeMessage(docWrapped, host)).content).toMatchObject({
      caption: 'see',
      data: 'AAECAw==',
    });
  });

  it('sender key distribution alone, or alongside content', async () => {
    const skdm = { groupId: GROUP, axolotlSenderKeyDistributionMessage: randomBytes(40) };
    const alone = await describeMessage(overTheWire({ senderKeyDistributionMessage: skdm }), host);
    expect(alone).toEqual({ type: 'sender-key-distribution', content: { groupId: GROUP } });
    const both = await describeMessage(
      overTheWire({ senderKeyDistributionMessage: skdm, conversation: 'hi all', messageContextInfo: {} }),
      host,
    );
    expect(both).toEqual({ type: 'text', content: { text: 'hi all' } });
  });

  it('other protocol messages, poll votes and unknown content', async () => {
    const eph = { protocolMessage: { type: proto.Message.ProtocolMessage.Type.EPHEMERAL_SETTING } };
    expect(await describeMessage(overTheWire(eph), host)).toEqual({
      type: 'protocol',
      content: { protocolType: 'EPHEMERAL_SETTING' },
    });
    const vote = {
      pollUpdateMessage: { pollCreationMessageKey: { id: MSG_ID }, vote: { encPayload: randomBytes(8) } },
    };
    expect(await describeMessage(overTheWire(vote), host)).toEqual({
      type: 'poll-vote',
      content: { pollMessageId: MSG_ID },
    });
    const odd = await describeMessage(overTheWire({ call: { callKey: randomBytes(4) } }), host);
    expect(odd).toEqual({ type: 'unknown', content: { keys: ['call'] } });
  });
});
