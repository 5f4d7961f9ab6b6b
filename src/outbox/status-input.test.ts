import { describe, expect, it } from 'vitest';
import { argbColor } from '../domain/status.ts';
import { ZapgateError } from '../errors.ts';
import { prepareStatus, type StatusInput } from './status-input.ts';

const failure = (work: () => unknown) => {
  try {
    work();
  } catch (err) {
    if (err instanceof ZapgateError) return { status: err.statusCode, code: err.code, details: err.details };
    throw err;
  }
  throw new Error('expected a coded error');
};

describe('status updates as the outbox stores them', () => {
  it('posts to status@broadcast with the audience as phone numbers, each once, in order', () => {
    const prepared = prepareStatus({
      type: 'text',
      text: 'Open late',
      contacts: ['+55 11 98765-4321', '5511912345678@s.whatsapp.net', '5511987654321'],
      backgroundColor: '25d366',
      font: 2,
    });
    expect(prepared).toEqual({
      chatJid: 'status@broadcast',
      type: 'text',
      content: {
        text: 'Open late',
        backgroundColor: '#FF25D366',
        font: 2,
        statusContacts: ['5511987654321', '5511912345678'],
      },
    });
  });

  it('keeps media and caption, checked as a send to a chat would be', () => {
    const prepared = prepareStatus({
      type: 'video',
      base64: Buffer.from('not really a video').toString('base64'),
      caption: 'tour',
      contacts: ['5511987654321'],
    });
    expect(prepared.media?.toString()).toBe('not really a video');
    expect(prepared.content).toMatchObject({ caption: 'tour', statusContacts: ['5511987654321'] });
    expect(failure(() => prepareStatus({ type: 'image', contacts: ['5511987654321'] }))).toMatchObject({
      status: 400,
      code: 'ZG_ERR_VALIDATION',
    });
  });

  it('refuses a bad audience, colour or font with a coded 400 naming the field', () => {
    const text = { type: 'text' as const, text: 'hi', contacts: ['5511987654321'] };
    const cases: Array<[StatusInput, string]> = [
      [{ ...text, contacts: [] }, 'contacts'],
      [{ ...text, contacts: ['5511987654321', '12'] }, 'contacts[1]'],
      [{ ...text, contacts: ['1203630123@g.us'] }, 'contacts[0]'],
      [{ ...text, backgroundColor: '#12345' }, 'backgroundColor'],
      [{ ...text, font: 4 }, 'font'],
      [
        { type: 'image' as const, url: 'https://example.com/a.png', font: 0, contacts: ['5511987654321'] },
        'backgroundColor',
      ],
      [{ ...text, text: '   ' }, 'text'],
    ];
    for (const [input, field] of cases)
      expect(
        failure(() => prepareStatus(input)),
        field,
      ).toEqual({
        status: 400,
        code: 'ZG_ERR_VALIDATION',
        details: { field },
      });
  });

  it('reads colours as #AARRGGBB, opaque unless an alpha is given', () => {
    expect(argbColor('#abc')).toBe('#FFAABBCC');
    expect(argbColor(' 123456 ')).toBe('#FF123456');
    expect(argbColor('#80123456')).toBe('#80123456');
    for (const bad of ['', '#', 'red', '#12345', '#1234567', '#GGGGGG'])
      expect(argbColor(bad), bad).toBeUndefined();
  });
});
