import type { OpenApiDocument, Operation } from './refine.ts';

/** The parts of a Postman v2.1 collection this gateway's requests use. */
export interface PostmanCollection {
  info: { name: string; description: string; schema: string };
  auth: PostmanAuth;
  variable: PostmanVariable[];
  item: Array<{ name: string; description: string; item: PostmanItem[] }>;
}
interface PostmanVariable {
  key: string;
  value: string;
  description?: string;
}
type PostmanAuth =
  | { type: 'noauth' }
  | { type: 'bearer'; bearer: Array<{ key: 'token'; value: string; type: 'string' }> };
interface PostmanItem {
  name: string;
  request: {
    method: string;
    description: string;
    auth?: PostmanAuth;
    header: Array<{ key: string; value: string }>;
    url: {
      raw: string;
      host: string[];
      path: string[];
      variable: PostmanVariable[];
      query: Array<PostmanVariable & { disabled: boolean }>;
    };
    body?:
      | { mode: 'raw'; raw: string; options: { raw: { language: 'json' } } }
      | {
          mode: 'formdata';
          formdata: Array<{ key: string; value?: string; type: 'text' | 'file'; src?: string }>;
        };
  };
  response: [];
}

const SCHEMA = 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json';
const BASE = '{{baseUrl}}';
type Parameter = NonNullable<Operation['parameters']>[number] & {
  required?: boolean;
  schema?: { enum?: unknown[] };
};
type RequestBody = NonNullable<PostmanItem['request']['body']>;

const text = (value: unknown): string => (value === undefined ? '' : String(value));

function urlOf(path: string, op: Operation): PostmanItem['request']['url'] {
  const parameters = (op.parameters ?? []) as Parameter[];
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/^\{(.+)\}$/, ':$1'));
  const query = parameters
    .filter((p) => p.in === 'query')
    .map((p) => ({
      key: p.name,
      value: text(p.example ?? p.schema?.enum?.[0]),
      description: text(p.description),
      disabled: !p.required,
    }));
  const variable = parameters
    .filter((p) => p.in === 'path')
    .map((p) => ({ key: p.name, value: text(p.example), description: text(p.description) }));
  const search = query
    .filter((q) => !q.disabled)
    .map((q) => `${q.key}=${q.value}`)
    .join('&');
  const raw = `${BASE}/${segments.join('/')}${search ? `?${search}` : ''}`;
  return { raw, host: [BASE], path: segments, variable, query };
}

/** A JSON body from the example (or each named example), a form for multipart. */
function bodiesOf(op: Operation): Array<{ label?: string; body?: RequestBody; type?: string }> {
  const content = op.requestBody?.content ?? {};
  const json = content['application/json'];
  const raw = (value: unknown): RequestBody => ({
    mode: 'raw',
    raw: JSON.stringify(value, null, 2),
    options: { raw: { language: 'json' } },
  });
  const bodies: Array<{ label?: string; body?: RequestBody; type?: string }> = [];
  if (json?.examples)
    for (const entry of Object.values(json.examples))
      bodies.push({ label: entry.summary, body: raw(entry.value), type: 'application/json' });
  else if (json) bodies.push({ body: raw(json.example ?? {}), type: 'application/json' });
  const form = content['multipart/form-data'];
  if (form) {
    const fields = Object.entries((form.example ?? {}) as Record<string, unknown>).map(([key, value]) =>
      key === 'file'
        ? { key, type: 'file' as const, src: '' }
        : { key, value: text(value), type: 'text' as const },
    );
    bodies.push({ label: 'file upload (multipart)', body: { mode: 'formdata', formdata: fields } });
  }
  return bodies.length ? bodies : [{}];
}

function itemsOf(path: string, method: string, op: Operation): PostmanItem[] {
  const title = op.summary ?? `${method.toUpperCase()} ${path}`;
  // a summary's first clause is a request's name: "Queue a message (202), or…" → "Queue a message"
  const short = title.split(/[(,;:]/)[0]?.trim() || title;
  return bodiesOf(op).map(({ label, body, type }) => ({
    name: label ? `${short} — ${label}` : short,
    request: {
      method: method.toUpperCase(),
      description: title,
      ...(op.security?.length === 0 ? { auth: { type: 'noauth' as const } } : {}),
      header: type ? [{ key: 'Content-Type', value: type }] : [],
      url: urlOf(path, op),
      ...(body ? { body } : {}),
    },
    response: [],
  }));
}

/**
 * A Postman v2.1 collection of every operation of `doc`, one folder per tag in the document's
 * order, the key as a bearer token from `{{apiKey}}`, the server from `{{baseUrl}}`.
 */
export function postmanCollection(doc: OpenApiDocument): PostmanCollection {
  const info = doc.info as { title: string; description: string };
  const tags = (doc.tags ?? []) as Array<{ name: string; description: string }>;
  const folders = new Map(
    tags.map((t) => [t.name, { name: t.name, description: t.description, item: [] as PostmanItem[] }]),
  );
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const tag = op.tags?.[0] ?? 'other';
      if (!folders.has(tag)) folders.set(tag, { name: tag, description: '', item: [] });
      folders.get(tag)?.item.push(...itemsOf(path, method, op));
    }
  }
  return {
    info: { name: info.title, description: info.description, schema: SCHEMA },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{apiKey}}', type: 'string' }] },
    variable: [
      { key: 'baseUrl', value: 'http://localhost:3000', description: 'where the gateway listens' },
      { key: 'apiKey', value: '', description: 'the admin key or a tenant key' },
    ],
    item: [...folders.values()].filter((folder) => folder.item.length),
  };
}
