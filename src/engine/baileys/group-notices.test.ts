import type { BinaryNode } from 'baileys';
import { describe, expect, it } from 'vitest';
import { groupNoticesOf, groupPictureNoticeOf } from './group-notices.ts';
import { participantResult } from './group-ops.ts';
import { requestResult } from './group-requests.ts';

const G = '120363000000000001@g.us';
const notification = (content: BinaryNode[], attrs: Record<string, string> = {}): BinaryNode => ({
  tag: 'notification',
  attrs: { from: G, type: 'w:gp2', participant: '15550001111@s.whatsapp.net', ...attrs },
  content,
});

describe('group notices from w:gp2 notifications', () => {
  it('gives one notice per change, with what it set', () => {
    const notices = groupNoticesOf(
      notification([
        { tag: 'announcement', attrs: {} },
        { tag: 'ephemeral', attrs: { expiration: '604800' } },
        { tag: 'subject', attrs: { subject: 'New name' } },
        {
          tag: 'description',
          attrs: { id: 'D1' },
          content: [{ tag: 'body', attrs: {}, content: Buffer.from('the rules') }],
        },
        {
          tag: 'membership_approval_mode',
          attrs: {},
          content: [{ tag: 'group_join', attrs: { state: 'on' } }],
        },
      ]),
    );
    expect(notices.map((n) => n.kind === 'group' && [n.action, n.changes, n.author])).toEqual([
      ['announce', { announce: true }, '15550001111@s.whatsapp.net'],
      ['ephemeral', { ephemeral: 604_800 }, '15550001111@s.whatsapp.net'],
      ['subject', { subject: 'New name' }, '15550001111@s.whatsapp.net'],
      ['description', { description: 'the rules' }, '15550001111@s.whatsapp.net'],
      ['join_approval', { joinApproval: true }, '15550001111@s.whatsapp.net'],
    ]);
    expect(notices[2]).toMatchObject({ subject: 'New name', groupJid: G });
  });

  it('names the participants of a member change by phone where WhatsApp gives one', () => {
    const [notice] = groupNoticesOf(
      notification(
        [
          {
            tag: 'promote',
            attrs: {},
            content: [
              {
                tag: 'participant',
                attrs: { jid: '90000000002@lid', phone_number: '15550002222@s.whatsapp.net' },
              },
              { tag: 'participant', attrs: { jid: '15550003333@s.whatsapp.net' } },
            ],
          },
        ],
        { participant: '90000000001@lid', participant_pn: '15550001111@s.whatsapp.net' },
      ),
    );
    expect(notice).toMatchObject({
      action: 'promote',
      participants: ['15550002222@s.whatsapp.net', '15550003333@s.whatsapp.net'],
      author: '15550001111@s.whatsapp.net',
    });
  });

  it('turns a removed description and a group picture into notices; a contact picture is none', () => {
    const [removed] = groupNoticesOf(notification([{ tag: 'description', attrs: { delete: 'true' } }]));
    expect(removed).toMatchObject({ action: 'description', changes: { description: null } });
    const picture = groupPictureNoticeOf({
      tag: 'notification',
      attrs: { from: G, type: 'picture' },
      content: [{ tag: 'set', attrs: { id: '1', author: '15550001111@s.whatsapp.net' } }],
    });
    expect(picture).toMatchObject({ action: 'picture', author: '15550001111@s.whatsapp.net' });
    const contact = groupPictureNoticeOf({ tag: 'notification', attrs: { from: '1555@s.whatsapp.net' } });
    expect(contact).toBeUndefined();
  });
});

describe('join requests', () => {
  it('reads a request and its revocation, the requester by phone', () => {
    const requester = { jid: '90000000004@lid', phone_number: '15550004444@s.whatsapp.net' };
    const [asked] = groupNoticesOf(
      notification(
        [
          {
            tag: 'created_membership_requests',
            attrs: { request_method: 'invite_link' },
            content: [{ tag: 'participant', attrs: requester }],
          },
        ],
        { participant: '90000000004@lid', participant_pn: '15550004444@s.whatsapp.net' },
      ),
    );
    expect(asked).toMatchObject({
      action: 'join_request',
      participants: ['15550004444@s.whatsapp.net'],
      changes: { method: 'invite_link' },
    });
    const [revoked] = groupNoticesOf(
      notification([
        {
          tag: 'revoked_membership_requests',
          attrs: {},
          content: [{ tag: 'participant', attrs: requester }],
        },
      ]),
    );
    expect(revoked).toMatchObject({
      action: 'join_request_revoked',
      participants: ['15550004444@s.whatsapp.net'],
      author: '15550001111@s.whatsapp.net',
    });
  });

  it('reads approve and reject outcomes', () => {
    expect(requestResult('approve', '200')).toBe('approved');
    expect(requestResult('reject', '200')).toBe('rejected');
    expect(requestResult('approve', '404')).toBe('not_requested');
    expect(requestResult('reject', '500')).toBe('failed');
  });
});

describe('participant outcomes', () => {
  it('reads WhatsApp codes per action', () => {
    expect(participantResult('add', '200')).toBe('added');
    expect(participantResult('add', '403')).toBe('invited');
    expect(participantResult('add', '404')).toBe('not_on_whatsapp');
    expect(participantResult('add', '409')).toBe('already_member');
    expect(participantResult('remove', '404')).toBe('not_member');
    expect(participantResult('demote', '200')).toBe('demoted');
    expect(participantResult('promote', '500')).toBe('failed');
  });
});
