import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEND_EXAMPLES } from '../../src/http/routes/send-schemas.ts';
import { SEND_TYPES } from '../../src/outbox/message-input.ts';
import { InProcessGateway } from '../support/in-process-gateway.ts';

let gw: InProcessGateway;
const SEND = '/api/v1/instances/shop/messages';
type Coded = { error: { code: string; message: string } };

beforeAll(async () => {
  gw = await InProcessGateway.build();
  const created = await gw.request({
    method: 'POST',
    url: '/api/v1/instances',
    payload: { name: 'shop', start: false },
  });
  expect(created.statusCode).toBe(201);
});
afterAll(() => gw?.dispose());

const send = async (payload: Record<string, unknown>) => {
  const res = await gw.request({ method: 'POST', url: SEND, payload });
  return { status: res.statusCode, body: res.json<Coded>() };
};

/** A multipart image send with these fields besides `to` and the file. */
const multipart = (fields: Array<[string, string]>) => ({
  method: 'POST' as const,
  url: SEND,
  headers: { 'content-type': 'multipart/form-data; boundary=zg' },
  payload: [
    ...[['to', '5511987654321'], ...fields].map(
      ([name, value]) => `--zg\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    ),
    '--zg\r\nContent-Disposition: form-data; name="file"; filename="a.webp"\r\n',
    'Content-Type: image/webp\r\n\r\nRIFF\r\n--zg--\r\n',
  ].join(''),
});

describe('the send body: one schema per message type', () => {
  it('accepts the example of every type: past the schema and the checks, only the missing link is left', async () => {
    expect(Object.keys(SEND_EXAMPLES).sort()).toEqual([...SEND_TYPES].sort());
    for (const type of SEND_TYPES) {
      const res = await send(SEND_EXAMPLES[type].value);
      expect(res.status, type).toBe(409);
      expect(res.body.error.code, type).toBe('ZG_ERR_NOT_LINKED');
    }
  });

  it('refuses a body that does not fit its type with a 400 that names the field', async () => {
    const to = '5511987654321';
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ to, type: 'text' }, "'text'"],
      [{ to, type: 'text', text: '' }, 'text'],
      [{ to, text: 'no type' }, "'type'"],
      [{ to, type: 'fax', text: 'x' }, 'type "fax"'],
      [{ to, type: 'text', text: 'x', caption: 'not for a text' }, '"caption"'],
      [{ to, type: 'sticker', url: 'https://example.com/s.webp', caption: 'no' }, '"caption"'],
      [{ to, type: 'location', latitude: 100, longitude: 1 }, 'latitude'],
      [{ to, type: 'location', latitude: 1 }, "'longitude'"],
      [{ to, type: 'contact', phone: '5511912345678' }, "'displayName'"],
      [{ to, type: 'contact', displayName: 'Bob' }, 'vcard'],
      [{ to, type: 'reaction', messageId: 'ABC' }, "'emoji'"],
      [{ to, type: 'poll', name: 'p', options: ['only one'] }, 'options'],
      [{ to, type: 'poll', name: 'p', options: ['a', 'a'] }, 'options'],
      [{ to, type: 'image' }, 'url, base64'],
      [{ to, type: 'image', url: 'https://example.com/a.png', base64: 'AAAA' }, 'url, base64'],
      [{ to: 'nobody', type: 'text', text: 'x' }, '"to"'],
      [{ type: 'text', text: 'x' }, "'to'"],
    ];
    for (const [body, field] of cases) {
      const res = await send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('ZG_ERR_VALIDATION');
      expect(res.body.error.message, JSON.stringify(body)).toContain(field);
    }
  });

  it('checks multipart fields against the same schema', async () => {
    const ok = await gw.request(multipart([['type', 'sticker']]));
    expect(ok.statusCode).toBe(409);
    const extra = await gw.request(
      multipart([
        ['type', 'sticker'],
        ['caption', 'no'],
      ]),
    );
    expect(extra.statusCode).toBe(400);
    expect(extra.json<Coded>().error.message).toContain('"caption"');
    const bad = await gw.request(
      multipart([
        ['type', 'image'],
        ['ttl', 'soon'],
      ]),
    );
    expect(bad.statusCode).toBe(400);
    expect(bad.json<Coded>().error.message).toContain('ttl');
  });
});
