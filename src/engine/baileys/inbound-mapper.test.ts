import { proto, type WAMessage } from 'baileys';
import { describe, expect, it } from 'vitest';
import { mapInbound } from './inbound-mapper.ts';

const msg = (message: proto.IMessage, key: Partial<WAMessage['key']> = {}): WAMessage => ({
  key: { remoteJid: '15550002222@s.whatsapp.net', fromMe: false, id: 'ABC', ...key },
  message,
  messageTimestamp: 1_800_000_000,
  pushName: 'Ann',
});

describe('mapInbound', () => {
  it('gives the phone number beside a LID sender when Baileys knows it', () => {
    const e = mapInbound(
      msg({ conversation: 'hi' }, { remoteJid: '9001@lid', remoteJidAlt: '15550002222@s.whatsapp.net' }),
    );
    expect(e).toMatchObject({
      kind: 'message',
      type: 'text',
      chatJid: '15550002222@s.whatsapp.net',
      sender: { phone: '15550002222', lid: '9001@lid', pushName: 'Ann' },
      content: { text: 'hi' },
    });
  });

  it('names the participant of a group message and keeps reply and mentions', () => {
    const e = mapInbound(
      msg(
        {
          extendedTextMessage: {
            text: 'yo',
            contextInfo: { stanzaId: 'Q1', mentionedJid: ['15550003333@s.whatsapp.net'] },
          },
        },
        { remoteJid: '120363@g.us', participant: '15550004444@s.whatsapp.net' },
      ),
    );
    expect(e).toMatchObject({
      chatJid: '120363@g.us',
      sender: { phone: '15550004444' },
      content: { replyTo: 'Q1', mentions: ['15550003333@s.whatsapp.net'] },
    });
  });

  it('maps media, location, contact, reaction and poll, and edits and revokes to their targets', () => {
    expect(
      mapInbound(msg({ imageMessage: { caption: 'c', mimetype: 'image/png', fileLength: 12 } })),
    ).toMatchObject({ type: 'image', content: { caption: 'c', size: 12 } });
    expect(mapInbound(msg({ audioMessage: { ptt: true } }))).toMatchObject({
      type: 'audio',
      content: { voice: true },
    });
    expect(mapInbound(msg({ locationMessage: { degreesLatitude: 1, degreesLongitude: 2 } }))).toMatchObject({
      type: 'location',
      content: { latitude: 1, longitude: 2 },
    });
    expect(mapInbound(msg({ contactMessage: { displayName: 'B', vcard: 'V' } }))).toMatchObject({
      type: 'contact',
    });
    expect(mapInbound(msg({ reactionMessage: { key: { id: 'T' }, text: '👍' } }))).toMatchObject({
      type: 'reaction',
      content: { messageId: 'T', emoji: '👍' },
    });
    expect(
      mapInbound(
        msg({
          pollCreationMessageV3: {
            name: 'P',
            options: [{ optionName: 'a' }, { optionName: 'b' }],
            selectableOptionsCount: 1,
          },
        }),
      ),
    ).toMatchObject({ type: 'poll', content: { options: ['a', 'b'] } });
    const { Type } = proto.Message.ProtocolMessage;
    expect(mapInbound(msg({ protocolMessage: { type: Type.REVOKE, key: { id: 'T' } } }))).toMatchObject({
      kind: 'revoked',
      targetId: 'T',
    });
    expect(
      mapInbound(
        msg({
          protocolMessage: {
            type: Type.MESSAGE_EDIT,
            key: { id: 'T' },
            editedMessage: { conversation: 'new' },
          },
        }),
      ),
    ).toMatchObject({ kind: 'edited', targetId: 'T', content: { text: 'new' } });
    expect(mapInbound(msg({ protocolMessage: { type: Type.APP_STATE_SYNC_KEY_SHARE } }))).toBeUndefined();
  });
});
