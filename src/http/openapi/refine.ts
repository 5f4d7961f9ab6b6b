import { MultipartSendBody, SEND_EXAMPLES } from '../routes/send-schemas.ts';
import { exampleOf, type JsonSchema } from './example-of.ts';
import { REQUEST_EXAMPLES } from './request-examples.ts';
import { errorResponseName } from './responses.ts';
import { SUCCESS_DESCRIPTIONS, SUCCESS_EXAMPLES } from './success-examples.ts';
import { webhookCallback } from './webhook-callback.ts';

/** The slice of an OpenAPI 3.0 document this module reads and writes. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas?: Record<string, JsonSchema>; responses?: Record<string, unknown> };
  [key: string]: unknown;
}
export interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: Array<{ in: string; name: string; description?: string; example?: unknown }>;
  requestBody?: { content: Record<string, Media> };
  responses: Record<string, Response>;
  [key: string]: unknown;
}
interface Media {
  schema?: JsonSchema;
  example?: unknown;
  examples?: Record<string, { summary?: string; value: unknown }>;
}
interface Response {
  $ref?: string;
  description?: string;
  content?: Record<string, Media>;
}

const SUCCESS: Record<string, string> = {
  '200': 'OK',
  '201': 'Created',
  '202': 'Accepted: queued, to be sent in order',
  '204': 'Done; no body',
};
const BINARY = { type: 'string', format: 'binary' };

/** Which error statuses an operation can answer, beside those its route declares. */
function statusesOf(path: string, method: string, op: Operation): string[] {
  const statuses: string[] = [];
  const secured = path.startsWith('/api/') && op.security?.length !== 0;
  if (op.parameters?.length || op.requestBody) statuses.push('400');
  if (secured) statuses.push('401');
  if (secured && method !== 'get') statuses.push('403');
  if (path.includes('{')) statuses.push('404');
  if (op.requestBody) statuses.push('413', '415');
  if (path.startsWith('/api/')) statuses.push('429');
  return statuses;
}

const isErrorSchema = (schema: JsonSchema | undefined): boolean => {
  const error = (schema?.properties as Record<string, JsonSchema> | undefined)?.error;
  return Boolean(error && (error.properties as Record<string, unknown> | undefined)?.code);
};

/** Error statuses become references to the named responses; the rest get a name and an example. */
function refineResponses(path: string, method: string, op: Operation, doc: OpenApiDocument): void {
  const responses: Record<string, Response> = {};
  const statuses = new Set([...Object.keys(op.responses), ...statusesOf(path, method, op)]);
  for (const status of [...statuses].sort()) {
    const given = op.responses[status];
    const json = given?.content?.['application/json'];
    const named = errorResponseName(status);
    if (named && (!given || isErrorSchema(json?.schema))) {
      responses[status] = { $ref: `#/components/responses/${named}` };
      continue;
    }
    if (!given) continue;
    if (given.description === 'Default Response')
      given.description = SUCCESS[status] ?? (status.startsWith('5') ? 'Degraded' : 'Answer');
    const key = `${method.toUpperCase()} ${path} ${status}`;
    const written = SUCCESS_EXAMPLES[key];
    given.description = SUCCESS_DESCRIPTIONS[key] ?? given.description;
    if (written !== undefined && json) json.example = written;
    for (const media of Object.values(given.content ?? {}))
      if (media.schema && media.schema.format !== 'binary' && media.example === undefined && !media.examples)
        media.example = exampleOf(media.schema, doc.components.schemas ?? {});
    responses[status] = given;
  }
  op.responses = responses;
}

/** Content that the route schemas cannot say: uploads, images, bytes, event streams. */
function addContentTypes(path: string, method: string, op: Operation): void {
  const ok = op.responses['200'];
  if (method === 'post' && path === '/api/v1/instances/{id}/messages' && op.requestBody) {
    const json = op.requestBody.content['application/json'];
    if (json) json.examples = { ...SEND_EXAMPLES };
    delete json?.example;
    op.requestBody.content['multipart/form-data'] = {
      schema: MultipartSendBody as unknown as JsonSchema,
      example: { to: '5511987654321', type: 'image', caption: 'New in: size 42', file: '(the image file)' },
    };
  }
  if (path === '/api/v1/instances/{id}/qr' && ok?.content)
    ok.content['image/png'] = { schema: { ...BINARY, description: 'with Accept: image/png' } };
  if (path.endsWith('/media') || path.endsWith('/picture')) {
    if (method === 'get' && !ok?.content)
      op.responses['200'] = {
        description: 'The bytes, with their Content-Type',
        content: { '*/*': { schema: BINARY } },
      };
  }
  if (method === 'post' && path === '/api/v1/webhooks') op.callbacks = webhookCallback();
  const body = op.requestBody?.content['application/json'];
  const written = REQUEST_EXAMPLES[`${method.toUpperCase()} ${path}`];
  if (body && written !== undefined && body.example === undefined && !body.examples) body.example = written;
  if (method === 'get' && path.endsWith('/events') && !ok?.content)
    op.responses['200'] = {
      description: 'text/event-stream: one `event:` and `data:` (an Event envelope, JSON) per event',
      content: { 'text/event-stream': { schema: { $ref: '#/components/schemas/Event' } } },
    };
}

/** `{id}` of an instance route takes the id or the name: said once here for every route. */
function describeParameters(path: string, op: Operation): void {
  if (!path.startsWith('/api/v1/instances/{id}')) return;
  for (const parameter of op.parameters ?? []) {
    if (parameter.in !== 'path' || parameter.name !== 'id') continue;
    Object.assign(parameter, { description: 'the instance: its id or its name', example: 'shop' });
  }
}

/**
 * OpenAPI 3.0 knows `example`, not JSON Schema's `examples` array, and `enum`, not `const`: the
 * route schemas use both where @fastify/swagger does not look (inside oneOf and anyOf).
 */
function toOpenApi30(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) toOpenApi30(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const schema = node as Record<string, unknown>;
  if (Array.isArray(schema.examples)) {
    if (schema.example === undefined) schema.example = schema.examples[0];
    delete schema.examples;
  }
  if ('const' in schema && !('enum' in schema)) {
    schema.enum = [schema.const];
    delete schema.const;
  }
  for (const [key, value] of Object.entries(schema))
    if (key !== 'example' && key !== 'examples') toOpenApi30(value);
}

/** Hoisted TypeBox schemas come out as `def-N`: named by their title instead, references too. */
function nameHoistedSchemas(doc: OpenApiDocument): OpenApiDocument {
  const schemas = doc.components.schemas ?? {};
  const renames = new Map<string, string>();
  for (const [key, schema] of Object.entries(schemas)) {
    const title = typeof schema.title === 'string' ? schema.title : undefined;
    if (/^def-\d+$/.test(key) && title && !(title in schemas)) renames.set(key, title);
  }
  if (!renames.size) return doc;
  let text = JSON.stringify(doc);
  for (const [from, to] of renames)
    text = text.replaceAll(`"#/components/schemas/${from}"`, `"#/components/schemas/${to}"`);
  const renamed = JSON.parse(text) as OpenApiDocument;
  renamed.components.schemas = Object.fromEntries(
    Object.entries(renamed.components.schemas ?? {}).map(([key, s]) => [renames.get(key) ?? key, s]),
  );
  return renamed;
}

/** The document as @fastify/swagger builds it from the routes, made whole for a reader. */
export function refineDocument(built: OpenApiDocument): OpenApiDocument {
  const doc = nameHoistedSchemas(structuredClone(built));
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      addContentTypes(path, method, op);
      describeParameters(path, op);
    }
  }
  // what addContentTypes put in holds the route modules' own schema objects (MultipartSendBody),
  // which the routes compile on first use (lazy-schema-compilers.ts): rewritten, they are copied first
  const own = structuredClone(doc);
  toOpenApi30(own.paths);
  toOpenApi30(own.components.schemas);
  for (const [path, methods] of Object.entries(own.paths))
    for (const [method, op] of Object.entries(methods)) refineResponses(path, method, op, own);
  return own;
}
