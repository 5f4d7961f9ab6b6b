import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AnyMessageContent,
  generateWAMessageContent,
  generateWAMessageFromContent,
  proto,
  type WAMediaUploadFunction,
} from 'baileys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimError } from '../errors.ts';
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
let workDir: string;

beforeAll(async () => {
  host = await startMediaHost({ tls: await generateTlsMaterial(), maxBytes: 1024 * 1024 });
  ctx = { media: host, senderJid: CONTACT, chatJid: ACCOUNT };
  workDir = await mkdtemp(join(tmpdir(), 'zapgate-content-'));
});
afterAll(async () => {
  await host.close();
  await rm(workDir, { recursive: true, force: true });
});

/** What the relay does: encode the message to protobuf bytes, and the receiver decodes them. */
const overTheWire = (message: proto.IMessage): proto.IMessage =>
  proto.Message.decode(proto.Message.encode(message).finish());

async function roundTrip(input: unknown, context = ctx) {
  const composed = await composeMessage(input, context);
  return { composed, described: await describeMessage(overTheWire(composed.message), host) };
}

const upload: WAMediaUploadFunction = async (encFilePath, { mediaType }) => {
  const { url, directPath } = host.put(await readFile(encFilePath), mediaType);
  return { mediaUrl: url, directPath };
};
const baileysContent = (content: AnyMessageContent) => generateWAMessageContent(content, { upload });

describe('text', () => {
  it('plain text is a conversation', async () => {
    const { composed, described } = await roundTrip({ type: 'text', text: 'hello there' });
    expect(composed.message).toEqual({ conversation: 'hello there' });
    expect(composed.stanzaType).toBe('text');
    expect(described).toEqual({ type: 'text', content: { text: 'hello there' } });
  });

  it('a reply with mentions is an extendedTextMessage with contextInfo', async () => {
    const input = { type: 'text', text: 'hi @1555', replyTo: MSG_ID, mentions: ['+1 555 000-1111', CONTACT] };
    const { composed, described } = await roundTrip(input);
    const ext = composed.message.extendedTextMessage;
    expect(ext?.contextInfo?.stanzaId).toBe(MSG_ID);
    expect(ext?.contextInfo?.participant).toBe(ACCOUNT);
    expect(described).toEqual({
      type: 'text',
      content: { text: 'hi @1555', replyTo: MSG_ID, mentions: ['15550001111@s.whatsapp.net', CONTACT] },
    });
  });

  it('a reply in a group names the quoted sender only when given', async () => {
    const group = { ...ctx, chatJid: GROUP };
    const bare = await composeMessage({ type: 'text', text: 'x', replyTo: MSG_ID }, group);
    expect(bare.message.extendedTextMessage?.contextInfo?.participant).toBeUndefined();
    const named = await composeMessage(
      { type: 'text', text: 'x', replyTo: MSG_ID, replyToSender: '15550001111', quotedText: 'orig' },
      group,
    );
    expect(named.message.extendedTextMessage?.contextInfo).toMatchObject({
      participant: '15550001111@s.whatsapp.net',
      quotedMessage: { conversation: 'orig' },
    });
  });
});

describe('media', () => {
  const cases = [
    { type: 'image', mimetype: 'image/jpeg', extra: { caption: 'a picture' } },
    { type: 'video', mimetype: 'video/mp4', extra: { caption: 'a clip', seconds: 3 } },
    { type: 'audio', mimetype: 'audio/ogg; codecs=opus', extra: { ptt: true, seconds: 2 } },
    {
      type: 'document',
      mimetype: 'application/octet-stream',
      extra: { fileName: 'report.bin', caption: 'doc' },
    },
    { type: 'sticker', mimetype: 'image/webp', extra: {} },
  ] as const;

  it.each(cases)('$type round-trips byte for byte', async ({ type, mimetype, extra }) => {
    const bytes = randomBytes(1000 + Math.floor(Math.random() * 100));
    const input = { type, data: bytes.toString('base64'), ...extra, mentions: ['15550001111'] };
    const { composed, described } = await roundTrip(input);
    expect(composed.stanzaType).toBe('media');
    expect(composed.mediaType).toBe(type === 'audio' ? 'ptt' : type);
    const field = composed.message[`${type}Message`];
    expect(field?.url).toBe(`https://${host.host}${field?.directPath}`);
    expect(described.type).toBe(type);
    expect(described.content).toMatchObject({ mimetype, fileLength: bytes.length, ...extra });
    expect(described.content.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(described.content.mentions).toEqual(['15550001111@s.whatsapp.net']);
    expect(described.content.error).toBeUndefined();
    expect(Buffer.from(String(described.content.data), 'base64').equals(bytes)).toBe(true);
  });

  it('accepts base64url, a custom mimetype and a voice-less audio', async () => {
    const bytes = randomBytes(300);
    const input = { type: 'audio', data: bytes.toString('base64url'), mimetype: 'audio/mpeg' };
    const { composed, described } = await roundTrip(input);
    expect(composed.mediaType).toBe('audio');
    expect(described.content).toMatchObject({ mimetype: 'audio/mpeg', ptt: false });
    expect(Buffer.from(String(described.content.data), 'base64').equals(bytes)).toBe(true);
  });

  it('a real Baileys client can download and decrypt composed media, whole and by range', async () => {
    const bytes = randomBytes(200);
    const { message } = await composeMessage({ type: 'document', data: bytes.toString('base64') }, ctx);
    const doc = message.documentMessage;
    const certFile = join(workDir, 'media-ca.pem');
    await writeFile(certFile, host.certPem);
    const job = {
      mediaKey: Buffer.from(doc?.mediaKey ?? []).toString('base64'),
      directPath: doc?.directPath,
      url: doc?.url,
    };
    // Node 20's fetch cannot be given a CA at run time, so the download runs in a child trusting it at start.
    const script = `
      import { downloadContentFromMessage, toBuffer } from 'baileys';
      const job = JSON.parse(process.argv[1]);
      const msg = { ...job, mediaKey: Buffer.from(job.mediaKey, 'base64') };
      const whole = await toBuffer(await downloadContentFromMessage(msg, 'document'));
      const part = await toBuffer(await downloadContentFromMessage(msg, 'document', { startByte: 40, endByte: 90 }));
      process.stdout.write(JSON.stringify({ whole: whole.toString('base64'), part: part.toString('base64') }));
    `;
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--input-type=module', '-e', script, JSON.stringify(job)],
        { cwd: process.cwd(), env: { ...process.env, NODE_EXTRA_CA_CERTS: certFile }, timeout: 30_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
      );
    });
    const result = JSON.parse(out) as { whole: string; part: string };
    expect(Buffer.from(result.whole, 'base64').equals(bytes)).toBe(true);
    expect(Buffer.from(result.part, 'base64').equals(bytes.subarray(40, 90))).toBe(true);
  });
});

describe('other types', () => {
  it('location', async () => {
    const input = { type: 'location', latitude: 52.52, longitude: 13.405, name: 'Berlin', address: 'Mitte' };
    const { composed, described } = await roundTrip(input);
    expect(composed.message.locationMessage?.degreesLatitude).toBe(52.52);
    expect(described).toEqual({
      type: 'location',
      content: { latitude: 52.52, longitude: 13.405, name: 'Berlin', address: 'Mitte' },
    });
  });

  it('contact from a vCard or a phone number', async () => {
    const vcard = 'BEGIN:VCARD\nVERSION:3.0\nFN:Ann\nTEL;waid=15550001111:+15550001111\nEND:VCARD';
    const given = await roundTrip({ type: 'contact', displayName: 'Ann', vcard });
    expect(given.composed).toMatchObject({ stanzaType: 'media', mediaType: 'vcard' });
    expect(given.described).toEqual({ type: 'contact', content: { displayName: 'Ann', vcard } });
    const built = await roundTrip({ type: 'contact', displayName: 'Bob; Jr', phone: '+1 555 000 2222' });
    expect(built.described.content.vcard).toContain('FN:Bob\\; Jr\n');
    expect(built.described.content.vcard).toContain('waid=15550002222:+15550002222');
  });

  it('reaction, and removing it', async () => {
    const { composed, described } = await roundTrip({ type: 'reaction', messageId: MSG_ID, emoji: '👍' });
    expect(composed.stanzaType).toBe('reaction');
    expect(composed.message.reactionMessage?.key).toEqual({ remoteJid: ACCOUNT, fromMe: false, id: MSG_ID });
    expect(described).toEqual({
      type: 'reaction',
      content: { messageId: MSG_ID, emoji: '👍', fromMe: false },
    });
    const removed = await roundTrip({ type: 'reaction', messageId: MSG_ID, emoji: '', fromMe: true });
    expect(removed.described.content).toEqual({ messageId: MSG_ID, emoji: '', fromMe: true });
  });

  it('polls: V3 for single choice, the original message otherwise, always with a messageSecret', async () => {
    const single = await roundTrip({
      type: 'poll',
      name: 'Lunch?',
      options: ['Pizza', 'Sushi'],
      selectableCount: 1,
    });
    expect(single.composed.stanzaType).toBe('poll');
    expect(single.composed.message.pollCreationMessageV3?.name).toBe('Lunch?');
    expect(single.composed.message.messageContextInfo?.messageSecret?.length).toBe(32);
    expect(single.described).toEqual({
      type: 'poll',
      content: { name: 'Lunch?', options: ['Pizza', 'Sushi'], selectableCount: 1 },
    });
    const multi = await roundTrip({ type: 'poll', name: 'Days', options: ['Mon', 'Tue', 'Wed'] });
    expect(multi.composed.message.pollCreationMessage?.options).toHaveLength(3);
    expect(multi.described.content).toEqual({
      name: 'Days',
      options: ['Mon', 'Tue', 'Wed'],
      selectableCount: 0,
    });
  });

  it('edit and revoke are protocol messages with the edit attribute', async () => {
    const edit = await roundTrip({ type: 'edit', messageId: MSG_ID, text: 'fixed' });
    expect(edit.composed.edit).toBe('1');
    expect(edit.composed.message.protocolMessage?.key).toEqual({
      remoteJid: ACCOUNT,
      fromMe: true,
      id: MSG_ID,
    });
    expect(edit.described).toEqual({ type: 'edit', content: { messageId: MSG_ID, text: 'fixed' } });
    const revoke = await roundTrip({ type: 'revoke', messageId: MSG_ID });
    expect(revoke.composed.edit).toBe('7');
    expect(revoke.described).toEqual({ type: 'revoke', content: { messageId: MSG_ID } });
  });
});

describe('messages built by Baileys itself', () => {
  it('image and document uploaded through the media host decrypt byte for byte', async () => {
    const image = randomBytes(2048);
    const built = await baileysContent({ image, caption: 'from baileys', mentions: [CONTACT] });
    const described = await describeMessage(overTheWire(built), host);
    expect(described.type).toBe('image');
    expect(described.content).toMatchObject({
      caption: 'from baileys',
      mimetype: 'image/jpeg',
      mentions: [CONTACT],
    });
    expect(Buffer.from(String(described.content.data), 'base64').equals(image)).toBe(true);

    const doc = randomBytes(5000);
    const builtDoc = await baileysContent({ document: doc, mimetype: 'application/pdf', fileName: 'a.pdf' });
    const describedDoc = await describeMessage(overTheWire(builtDoc), host);
    expect(describedDoc).toMatchObject({
      type: 'document',
      content: { fileName: 'a.pdf', fileLength: 5000 },
    });
    expect(Buffer.from(String(describedDoc.content.data), 'base64').equals(doc)).toBe(true);
  });

  it('voice note and sticker', async () => {
    const voice = randomBytes(700);
    const builtVoice = await baileysContent({ audio: voice, ptt: true, seconds: 4 });
    const describedVoice = await describeMessage(overTheWire(builtVoice), host);
    expect(describedVoice.content).toMatchObject({ ptt: true, seconds: 4, data: voice.toString('base64') });
    const sticker = randomBytes(333);
    const describedSticker = await describeMessage(overTheWire(await baileysContent({ sticker })), host);
    expect(describedSticker).toMatchObject({
      type: 'sticker',
      content: { data: sticker.toString('base64') },
    });
  });

  it('text reply, reaction, polls, edit, delete, location and contacts', async () => {
    const quoted = { key: { remoteJid: CONTACT, fromMe: false, id: MSG_ID }, message: { conversation: 'q' } };
    const text = await baileysContent({ text: 'answer', mentions: [CONTACT] });
    const full = generateWAMessageFromContent(CONTACT, text, { userJid: ACCOUNT, quoted });
    expect(await describeMessage(overTheWire(full.message ?? {}), host)).toEqual({
      type: 'text',
      content: { text: 'answer', replyTo: MSG_ID, mentions: [CONTACT] },
    });
    const key = { remoteJid: CONTACT, fromMe: true, id: MSG_ID };
    const expectations: [AnyMessageContent, string, Record<string, unknown>][] = [
      [{ react: { key, text: '❤️' } }, 'reaction', { messageId: MSG_ID, emoji: '❤️', fromMe: true }],
      [{ poll: { name: 'P', values: ['a', 'b'], selectableCount: 1 } }, 'poll', { options: ['a', 'b'] }],
      [{ poll: { name: 'P', values: ['a', 'b', 'c'] } }, 'poll', { selectableCount: 0 }],
      [{ text: 'new text', edit: key }, 'edit', { messageId: MSG_ID, text: 'new text' }],
      [{ delete: key }, 'revoke', { messageId: MSG_ID }],
      [
        { location: { degreesLatitude: 1.5, degreesLongitude: -2.5 } },
        'location',
        { latitude: 1.5, longitude: -2.5 },
      ],
      [
        { contacts: { contacts: [{ displayName: 'A', vcard: 'V' }] } },
        'contact',
        { displayName: 'A', vcard: 'V' },
      ],
      [
        { contacts: { displayName: '2 contacts', contacts: [{ displayName: 'A' }, { displayName: 'B' }] } },
        'contacts',
        { displayName: '2 contacts' },
      ],
    ];
    for (const [content, type, expected] of expectations) {
      const described = await describeMessage(overTheWire(await baileysContent(content)), host);
      expect(described.type, JSON.stringify(content)).toBe(type);
      expect(described.content).toMatchObject(expected);
    }
  });
});

describe('invalid input', () => {
  const invalid: unknown[] = [
    null,
    'text',
    [],
    {},
    { type: 'bogus' },
    { type: 'text' },
    { type: 'text', text: '   ' },
    { type: 'text', text: 5 },
    { type: 'text', text: 'x'.repeat(70_000) },
    { type: 'text', text: 'hi', colour: 'red' },
    { type: 'text', text: 'hi', replyTo: 'has space' },
    { type: 'text', text: 'hi', quotedText: 'q' },
    { type: 'text', text: 'hi', mentions: [] },
    { type: 'text', text: 'hi', mentions: ['nobody'] },
    { type: 'text', text: 'hi', mentions: ['123@g.us'] },
    { type: 'text', text: 'hi', mentions: 'x' },
    { type: 'image' },
    { type: 'image', data: '' },
    { type: 'image', data: 'not base64!' },
    { type: 'image', data: 'abcde' },
    { type: 'image', data: 'ab=c' },
    { type: 'image', data: 42 },
    { type: 'image', data: 'AAAA', fileName: 'x' },
    { type: 'image', data: 'AAAA', ptt: true },
    { type: 'sticker', data: 'AAAA', caption: 'x' },
    { type: 'audio', data: 'AAAA', ptt: 'yes' },
    { type: 'video', data: 'AAAA', seconds: -1 },
    { type: 'video', data: 'AAAA', seconds: 1.5 },
    { type: 'document', data: randomBytes(1024 * 1024 + 1).toString('base64') },
    { type: 'location', latitude: 91, longitude: 0 },
    { type: 'location', latitude: 0, longitude: -181 },
    { type: 'location', latitude: '1', longitude: 0 },
    { type: 'location', latitude: Number.NaN, longitude: 0 },
    { type: 'contact', displayName: 'A' },
    { type: 'contact', displayName: 'A', vcard: 'hello' },
    { type: 'contact', displayName: 'A', phone: 'abc' },
    { type: 'contact', displayName: 'A', phone: '15550001111', vcard: 'BEGIN:VCARD\nEND:VCARD' },
    { type: 'contact', phone: '15550001111' },
    { type: 'reaction', emoji: '👍' },
    { type: 'reaction', messageId: MSG_ID },
    { type: 'reaction', messageId: MSG_ID, emoji: 1 },
    { type: 'reaction', messageId: MSG_ID, emoji: '👍', replyTo: MSG_ID },
    { type: 'poll', name: 'P', options: ['only'] },
    { type: 'poll', name: 'P', options: Array.from({ length: 13 }, (_, i) => `o${i}`) },
    { type: 'poll', name: 'P', options: ['a', 'a'] },
    { type: 'poll', name: 'P', options: ['a', ''] },
    { type: 'poll', name: 'P', options: ['a', 'b'], selectableCount: 3 },
    { type: 'poll', name: '', options: ['a', 'b'] },
    { type: 'edit', messageId: MSG_ID },
    { type: 'edit', text: 'x' },
    { type: 'revoke' },
    { type: 'revoke', messageId: '' },
  ];

  it.each(invalid.map((input) => [JSON.stringify(input)?.slice(0, 80) ?? 'undefined', input]))(
    'rejects %s with 400',
    async (_label, input) => {
      const error = await composeMessage(input, ctx).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SimError);
      expect((error as SimError).status).toBe(400);
      expect((error as SimError).message.length).toBeGreaterThan(10);
    },
  );
});
