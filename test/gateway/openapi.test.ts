import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openapiArtifacts } from '../../src/http/openapi/artifacts.ts';
import { TAGS } from '../../src/http/openapi/document.ts';
import { EVENT_NAMES, eventSchemaName } from '../../src/http/openapi/event-schemas.ts';
import { type PostmanCollection, postmanCollection } from '../../src/http/openapi/postman.ts';
import type { OpenApiDocument } from '../../src/http/openapi/refine.ts';
import { SUCCESS_DESCRIPTIONS, SUCCESS_EXAMPLES } from '../../src/http/openapi/success-examples.ts';
import { SEND_TYPES } from '../../src/outbox/message-input.ts';
import { InProcessGateway } from '../support/in-process-gateway.ts';
import { exampleChecker, examplesOf } from '../support/openapi-examples.ts';

type Json = Record<string, unknown>;
interface Media {
  schema?: Json;
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}
interface Response {
  $ref?: string;
  description?: string;
  content?: Record<string, Media>;
}
interface Operation {
  tags?: string[];
  security?: unknown[];
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, Response>;
}
interface Document {
  info: { description: string };
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Response> };
}

const ROOT = resolve(import.meta.dirname, '../..');
let gw: InProcessGateway;
let doc: Document;

beforeAll(async () => {
  // the request examples' URLs (example.com) are taken without a DNS lookup, which a CI box may lack
  gw = await InProcessGateway.build({ ALLOW_PRIVATE_URLS: '1' });
  const res = await gw.gateway.app.inject({ url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  doc = res.json<Document>();
});
afterAll(() => gw?.dispose());

const operations = () =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      path,
      method,
      op,
      at: `${method.toUpperCase()} ${path}`,
    })),
  );
const named = (response: Response | undefined) => response?.$ref?.replace('#/components/responses/', '');
const errorExample = (name: string, example: string) =>
  (doc.components.responses[name]?.content?.['application/json']?.examples?.[example]?.value ?? {}) as Json;

describe('the OpenAPI document', () => {
  it('answers every error status with a named response whose examples carry that status’s codes', () => {
    const codes: Record<string, RegExp> = {
      '400': /^ZG_ERR_(VALIDATION|INVALID_PHONE|INVALID_MEDIA)$/,
      '401': /^ZG_ERR_UNAUTHORIZED$/,
      '403': /^ZG_ERR_(FORBIDDEN|CSRF)$/,
      '404': /^ZG_ERR_NOT_FOUND$/,
      '409': /^ZG_ERR_(CONFLICT|NOT_LINKED|INSTANCE_LIMIT)$/,
      '429': /^ZG_ERR_RATE_LIMITED$/,
    };
    for (const { path, op, at } of operations()) {
      const secured = path.startsWith('/api/') && op.security?.length !== 0;
      if (secured) expect(named(op.responses['401']), at).toBe('Unauthorized');
      if (path.includes('{')) expect(named(op.responses['404']), at).toBe('NotFound');
      for (const [status, response] of Object.entries(op.responses)) {
        expect(response.description ?? named(response), `${at} ${status}`).toBeTruthy();
        expect(response.description, `${at} ${status}`).not.toBe('Default Response');
        if (Number(status) < 400 || !named(response)) continue;
        const component = doc.components.responses[named(response) ?? ''];
        const examples = Object.values(component?.content?.['application/json']?.examples ?? {});
        expect(examples.length, `${at} ${status}`).toBeGreaterThan(0);
        const pattern = codes[status];
        for (const { value } of examples)
          if (pattern)
            expect((value as { error: { code: string } }).error.code, `${at} ${status}`).toMatch(pattern);
      }
    }
  });

  it('shows, as its 401 and 404 examples, what the gateway really answers', async () => {
    const anonymous = await gw.gateway.app.inject({ url: '/api/v1/instances' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toEqual(errorExample('Unauthorized', 'unauthorized'));
    const missing = await gw.request({ url: '/api/v1/instances/shop' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual(errorExample('NotFound', 'notFound'));
    const phone = await gw.request({
      method: 'POST',
      url: '/api/v1/instances',
      payload: { name: 'pairing', start: false },
    });
    expect(phone.statusCode).toBe(201);
    const bad = await gw.request({
      method: 'POST',
      url: '/api/v1/instances/pairing/pairing-code',
      payload: { phoneNumber: 'call me' },
    });
    expect(bad.json()).toEqual(errorExample('ValidationError', 'phone'));
  });

  it('has request examples that the routes themselves take: each is sent, and none is a 400', async () => {
    const shop = await gw.request({
      method: 'POST',
      url: '/api/v1/instances',
      payload: { name: 'shop', start: false },
    });
    expect(shop.statusCode).toBe(201);
    const fallback: Record<string, string> = {
      id: 'shop',
      msgId: 'NO-SUCH-MESSAGE',
      jid: '120363000000000001@g.us',
    };
    // a pairing code starts linking the instance to WhatsApp itself: its example is checked by schema only
    const linking = 'POST /api/v1/instances/{id}/pairing-code';
    let sent = 0;
    for (const { path, method, op, at } of operations()) {
      if (at === linking) continue;
      const media = op.requestBody?.content['application/json'];
      const bodies = [media?.example, ...Object.values(media?.examples ?? {}).map((e) => e.value)];
      const parameters = (op as { parameters?: Array<{ in: string; name: string; example?: string }> })
        .parameters;
      const url = path.replace(/\{([^}]+)\}/g, (_, name: string) =>
        encodeURIComponent(
          parameters?.find((p) => p.in === 'path' && p.name === name)?.example ?? fallback[name] ?? 'x',
        ),
      );
      for (const payload of bodies.filter((b) => b !== undefined)) {
        const res = await gw.request({
          method: method.toUpperCase() as 'POST',
          url,
          payload: payload as Json,
        });
        const error =
          res.statusCode >= 400 ? res.json<{ error: { code: string; message: string } }>().error : undefined;
        expect(
          res.statusCode === 400 ? error : undefined,
          `${at} ${JSON.stringify(payload).slice(0, 80)}`,
        ).toBeUndefined();
        sent++;
      }
    }
    expect(sent).toBeGreaterThan(20);
  });

  it('names every success response and gives it an example (by hand for the first routes a user meets)', () => {
    for (const { op, at } of operations()) {
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400) continue;
        for (const [type, media] of Object.entries(response.content ?? {})) {
          if (media.schema?.format === 'binary' || type === 'text/event-stream') continue;
          expect(media.example ?? media.examples, `${at} ${status} ${type}`).toBeDefined();
        }
      }
    }
    for (const [key, value] of Object.entries(SUCCESS_EXAMPLES)) {
      const [method = '', path = '', status = ''] = key.split(' ');
      const media = doc.paths[path]?.[method.toLowerCase()]?.responses[status]?.content?.['application/json'];
      expect(media?.example, key).toEqual(value);
    }
    for (const [key, description] of Object.entries(SUCCESS_DESCRIPTIONS)) {
      const [method = '', path = '', status = ''] = key.split(' ');
      expect(doc.paths[path]?.[method.toLowerCase()]?.responses[status]?.description, key).toBe(description);
    }
  });

  it('documents one send body per message type, the multipart upload and the QR as image/png', () => {
    const send = doc.paths['/api/v1/instances/{id}/messages']?.post;
    const json = send?.requestBody?.content['application/json'];
    const branches = (json?.schema?.oneOf ?? []) as Json[];
    expect(branches.map((b) => (b.properties as Json & { type: { enum: string[] } }).type.enum[0])).toEqual([
      ...SEND_TYPES,
    ]);
    expect(Object.keys(json?.examples ?? {})).toEqual([...SEND_TYPES]);
    expect(send?.requestBody?.content['multipart/form-data']?.schema?.properties).toHaveProperty('file');
    const qr = doc.paths['/api/v1/instances/{id}/qr']?.get?.responses['200']?.content ?? {};
    expect(Object.keys(qr)).toEqual(['application/json', 'image/png']);
  });

  it('holds the event names and every event’s envelope as schemas', () => {
    const schemas = doc.components.schemas;
    expect(schemas.EventName?.enum).toEqual(EVENT_NAMES);
    expect(EVENT_NAMES).toEqual(
      expect.arrayContaining(['message.received', 'message.status', 'instance.status']),
    );
    const refs = ((schemas.Event?.oneOf ?? []) as Json[]).map((branch) => branch.$ref);
    expect(refs).toEqual(EVENT_NAMES.map((name) => `#/components/schemas/${eventSchemaName(name)}`));
    for (const name of EVENT_NAMES) {
      const envelope = schemas[eventSchemaName(name)] as { required: string[]; properties: Json };
      expect(envelope.required, name).toEqual(['id', 'event', 'instance', 'tenantId', 'timestamp', 'data']);
      expect(envelope.properties.event, name).toEqual({ type: 'string', enum: [name] });
    }
  });

  it('documents what a webhook receives as a callback of POST /webhooks: the envelope and the signed headers', () => {
    const created = doc.paths['/api/v1/webhooks']?.post as Operation & { callbacks?: Record<string, Json> };
    const receiver = created.callbacks?.event?.['{$request.body#/url}'] as { post: Json };
    expect(receiver).toBeDefined();
    const body = receiver.post.requestBody as { content: Record<string, Media> };
    expect(body.content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/Event' });
    const headers = (receiver.post.parameters as Array<{ name: string }>).map((p) => p.name);
    expect(headers).toEqual(
      expect.arrayContaining(['X-Webhook-Id', 'X-Webhook-Timestamp', 'X-Webhook-Signature']),
    );
  });

  it('lists its tags in the order a new user needs them, each described, and every route under one', () => {
    expect(doc.tags.map((t) => t.name)).toEqual(TAGS.map((t) => t.name));
    expect(doc.tags.slice(0, 6).map((t) => t.name)).toEqual([
      'instances',
      'linking',
      'messages',
      'webhooks',
      'events',
      'campaigns',
    ]);
    for (const tag of doc.tags) expect(tag.description.length, tag.name).toBeGreaterThan(10);
    const known = new Set(doc.tags.map((t) => t.name));
    for (const { op, at } of operations())
      expect(op.tags?.every((t) => known.has(t)) && op.tags.length, at).toBeTruthy();
  });

  it('opens with the auth scheme and a quick start', () => {
    const intro = doc.info.description;
    for (const words of ['Authorization: Bearer', 'X-API-Key', 'cookie', 'POST /api/v1/auth/login', 'curl'])
      expect(intro).toContain(words);
    expect(intro.split('```sh')[1]?.split('```')[0]?.trim().split('\n').length).toBe(5);
  });

  it('is committed in docs/ as it is served, with a Postman collection of it (npm run openapi)', () => {
    for (const [path, content] of Object.entries(openapiArtifacts(doc as unknown as OpenApiDocument))) {
      const committed: unknown = JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
      expect(isDeepStrictEqual(committed, content), `${path} is stale: run npm run openapi`).toBe(true);
    }
  });

  it('gives Postman a request for every operation, a JSON body from its example, the key as a bearer token', () => {
    const collection: PostmanCollection = postmanCollection(doc as unknown as OpenApiDocument);
    expect(collection.info.schema).toBe(
      'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    );
    expect(collection.auth).toEqual({
      type: 'bearer',
      bearer: [{ key: 'token', value: '{{apiKey}}', type: 'string' }],
    });
    const requests = collection.item.flatMap((folder) => folder.item.map((item) => item.request));
    for (const { path, method, at } of operations()) {
      const route = path.replace(/\{([^}]+)\}/g, ':$1');
      const found = requests.filter(
        (r) => r.method === method.toUpperCase() && `/${r.url.path.join('/')}` === route,
      );
      expect(found.length, at).toBeGreaterThan(0);
    }
    const sends = requests.filter(
      (r) => r.url.raw === '{{baseUrl}}/api/v1/instances/:id/messages' && r.method === 'POST',
    );
    expect(sends.map((r) => (r.body?.mode === 'raw' ? JSON.parse(r.body.raw).type : 'multipart'))).toEqual([
      ...SEND_TYPES,
      'multipart',
    ]);
    const signIn = requests.find((r) => r.url.raw === '{{baseUrl}}/api/v1/auth/login');
    expect(signIn?.auth).toEqual({ type: 'noauth' });
  });

  it('is a valid OpenAPI 3.0 document (and the validator does refuse a broken one)', async () => {
    const result = await new Validator().validate(structuredClone(doc) as unknown as Json);
    expect(result.errors ?? [], JSON.stringify(result.errors ?? []).slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
    const broken = structuredClone(doc);
    const accepted = broken.paths['/api/v1/instances/{id}/messages']?.post?.responses['202'];
    delete accepted?.description;
    expect((await new Validator().validate(broken as unknown as Json)).valid).toBe(false);
  });

  it('has examples that each pass their schema, compiled by Ajv as Fastify compiles the routes', () => {
    const examples = examplesOf(doc as unknown as Json);
    expect(examples.length).toBeGreaterThan(300);
    const check = exampleChecker(doc as unknown as Json);
    const failures = examples.flatMap((e) => {
      const why = check(e);
      return why ? [`${e.where}: ${why}`] : [];
    });
    expect(failures).toEqual([]);
  });

  it('catches a wrong example: a send without its text, a 404 whose code is not a code, a wrong date', () => {
    const broken = structuredClone(doc) as Document;
    const text = broken.paths['/api/v1/instances/{id}/messages']?.post?.requestBody?.content[
      'application/json'
    ]?.examples?.text?.value as Json;
    delete text.text;
    const value = broken.components.responses.NotFound?.content?.['application/json']?.examples?.notFound
      ?.value as {
      error: { code: string };
    };
    value.error.code = 'not found';
    const created = broken.paths['/api/v1/instances']?.post?.responses['201']?.content?.['application/json']
      ?.example as Json;
    created.createdAt = 'yesterday';
    const check = exampleChecker(broken as unknown as Json);
    const failing = examplesOf(broken as unknown as Json)
      .filter((e) => check(e))
      .map((e) => e.where);
    const notFounds = failing.filter((where) => where.includes(' 404 '));
    expect(notFounds.length).toBeGreaterThan(10);
    expect(failing.filter((where) => !notFounds.includes(where)).sort()).toEqual([
      'POST /api/v1/instances 201 application/json',
      'POST /api/v1/instances/{id}/messages body application/json (text)',
    ]);
  });
});

describe('reading the document', () => {
  it('leaves every route validating as before, those first called after it too', async () => {
    // building the document once rewrote route schemas in place (refine.ts), and routes compile at first use
    const fresh = await InProcessGateway.build();
    try {
      const created = await fresh.request({
        method: 'POST',
        url: '/api/v1/instances',
        payload: { name: 'docs-first', start: false },
      });
      expect(created.statusCode).toBe(201);
      expect((await fresh.request({ url: '/docs/json' })).statusCode).toBe(200);
      const send = await fresh.request({
        method: 'POST',
        url: '/api/v1/instances/docs-first/messages',
        payload: { to: '15550001234', type: 'text', text: 'see https://example.com/a', linkPreview: true },
      });
      expect(send.statusCode, send.body).toBe(400);
      expect(send.json<{ error: { code: string } }>().error.code).toBe('ZG_ERR_LINK_PREVIEWS_OFF');
      const invalid = await fresh.request({
        method: 'POST',
        url: '/api/v1/instances/docs-first/messages',
        payload: { to: '15550001234', type: 'text' },
      });
      expect(invalid.statusCode, invalid.body).toBe(400);
      expect(invalid.json<{ error: { code: string } }>().error.code).toBe('ZG_ERR_VALIDATION');
    } finally {
      await fresh.dispose();
    }
  });
});
