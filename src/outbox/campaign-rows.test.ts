import { describe, expect, it } from 'vitest';
import { ZapgateError } from '../errors.ts';
import { prepareCampaignMessage, textTemplateMessage } from './campaign-message.ts';
import { campaignRows } from './campaign-rows.ts';

const campaign = { id: 'c1', instanceId: 'i1', tenantId: null, startAt: null };
const GROUP = '120363000000000001@g.us';

describe('campaign rows', () => {
  it('sends once to a recipient however it is written, the first line winning, and lists it', () => {
    const { rows, duplicates } = campaignRows(
      textTemplateMessage('Hi {{name}}'),
      [
        { to: '5511912345678', vars: { name: 'first' } },
        { to: GROUP, vars: { name: 'group' } },
        { to: '+55 (11) 91234-5678', vars: { name: 'second' } },
        { to: GROUP, vars: { name: 'group again' } },
        { to: '5511912345678@s.whatsapp.net', vars: { name: 'third' } },
      ],
      true,
      campaign,
    );
    expect(rows.map((r) => [r.chatJid, r.content.text])).toEqual([
      ['5511912345678@s.whatsapp.net', 'Hi first'],
      [GROUP, 'Hi group'],
    ]);
    expect(duplicates).toEqual([
      { to: '5511912345678', count: 3 },
      { to: GROUP, count: 2 },
    ]);
  });

  it('without dedupe sends every line, each with its own variables, and still lists the repeats', () => {
    const { rows, duplicates } = campaignRows(
      textTemplateMessage('n={{n}}'),
      [
        { to: '15550001111', vars: { n: 1 } },
        { to: '15550001111', vars: { n: 2 } },
      ],
      false,
      campaign,
    );
    expect(rows.map((r) => r.content.text)).toEqual(['n=1', 'n=2']);
    expect(new Set(rows.map((r) => r.waMessageId)).size).toBe(2);
    expect(duplicates).toEqual([{ to: '15550001111', count: 2 }]);
  });

  it('fills a caption and keeps the rest of the message on every row', () => {
    const message = prepareCampaignMessage({
      type: 'image',
      url: 'https://example.com/a.png',
      caption: 'For {{name}}',
    });
    const { rows } = campaignRows(message, [{ to: '15550001111', vars: { name: 'Ana' } }], true, campaign);
    expect(rows[0]).toMatchObject({
      type: 'image',
      campaignId: 'c1',
      content: { url: 'https://example.com/a.png', caption: 'For Ana' },
    });
  });

  it('names the line of a recipient that is not a number', () => {
    const bad = () =>
      campaignRows(textTemplateMessage('hi'), [{ to: '1555' }, { to: 'nobody' }], true, campaign);
    expect(bad).toThrow(ZapgateError);
    expect(bad).toThrow(/recipients\[0\]\.to "1555"/);
  });

  it('mentions every participant of each group with mentions "all", and refuses it for a phone', () => {
    const message = prepareCampaignMessage({ type: 'text', text: 'Meeting at 10', mentions: 'all' });
    const { rows } = campaignRows(message, [{ to: GROUP }], true, campaign);
    expect(rows[0]?.content).toMatchObject({ text: 'Meeting at 10', mentionAll: true });
    const toPhone = () => campaignRows(message, [{ to: GROUP }, { to: '15550001111' }], true, campaign);
    expect(toPhone).toThrow(/recipients\[1\]\.to "15550001111" is not a group/);
  });

  it('builds link previews only where the operator turned them on, as a single send', () => {
    const input = {
      type: 'text' as const,
      text: 'Hi {{name}}: https://example.com/sale',
      linkPreview: true as const,
    };
    expect(() => prepareCampaignMessage(input)).toThrow(/LINK_PREVIEWS=1/);
    expect(prepareCampaignMessage(input, { linkPreviews: true }).content.linkPreview).toBe(true);
  });

  it('names a bad message field under message.', () => {
    try {
      prepareCampaignMessage({ type: 'poll', name: 'Lunch?', options: ['Pizza', 'Pizza'] });
      expect.unreachable();
    } catch (err) {
      expect((err as ZapgateError).details).toMatchObject({ field: 'message.options' });
    }
  });
});
