import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogFormat, maskPhones, resolveLogFormat } from './logger.ts';

function capture(format: LogFormat = 'json') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger('info', stream, format), lines };
}

describe('logger', () => {
  it('masks phone numbers in messages, fields and jids', () => {
    const { logger, lines } = capture();
    logger.info(
      { jid: '15550001111:3@s.whatsapp.net', nested: { to: '+4915123456789' } },
      'sent to 15550001111',
    );
    const out = lines.join('');
    expect(out).not.toContain('15550001111');
    expect(out).not.toContain('4915123456789');
    expect(out).toContain('155****1111');
  });

  it('redacts keys, secrets and QR codes, and summarises buffers', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        authorization: 'Bearer zg_secret',
        apiKey: 'zg_abc',
        masterKey: 'm',
        qr: '2@abc',
        data: Buffer.alloc(5),
      },
      'x',
    );
    const record = JSON.parse(lines[0] ?? '{}');
    expect(record).toMatchObject({
      authorization: '[redacted]',
      apiKey: '[redacted]',
      masterKey: '[redacted]',
      qr: '[redacted]',
      data: '<5 bytes>',
    });
  });

  it('never logs an API key put in a query string, in a field or in the message', () => {
    const { logger, lines } = capture();
    const key = 'zg_Q2xpZW50S2V5SW5BVXJsMDEyMzQ1Njc4OWFiY2RlZg';
    for (const name of ['apiKey', 'key', 'token', 'api_key', 'access_token'])
      logger.info(
        { url: `/api/v1/events?${name}=${key}&events=message.*` },
        `GET /api/v1/events?${name}=${key}`,
      );
    logger.info({ err: new Error(`no route GET /x?key=${key}`) }, 'failed');
    const out = lines.join('');
    expect(out).not.toContain(key);
    expect(out).not.toContain(key.slice(3));
    expect(JSON.parse(lines[0] ?? '{}').url).toBe('/api/v1/events?apiKey=[redacted]&events=message.*');
  });

  it('leaves short numbers and timestamps that are not phone-like alone', () => {
    expect(maskPhones('port 3000, attempt 12')).toBe('port 3000, attempt 12');
  });
  it('writes pretty lines, not JSON, with phone numbers and secrets masked as in JSON', () => {
    const { logger, lines } = capture('pretty');
    logger.info({ jid: '15550001111@s.whatsapp.net', apiKey: 'zg_abcdefghijkl' }, 'sent to +4915123456789');
    const out = lines.join('');
    expect(() => JSON.parse(lines[0] ?? '')).toThrow();
    expect(out).toContain('sent to 491******6789');
    expect(out).not.toContain('4915123456789');
    expect(out).toContain('155****1111@s.whatsapp.net');
    expect(out).toContain('[redacted]');
    expect(out).not.toContain('15550001111');
    expect(out).not.toContain('zg_abcdefghijkl');
  });

  it('is pretty on a terminal and JSON otherwise unless LOG_FORMAT says which', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });
});
