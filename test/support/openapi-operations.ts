/**
 * The operations of the gateway's own OpenAPI document (`/docs/json`), read as the fuzz and the
 * tenant-isolation walk need them: every path and method with its parameters and body schema, and a
 * value that satisfies a schema. Only the subset of JSON Schema that TypeBox emits is understood.
 */

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  minProperties?: number;
  maxItems?: number;
  pattern?: string;
  format?: string;
  default?: unknown;
  example?: unknown;
  examples?: unknown[];
}

interface DocParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

interface DocOperation {
  parameters?: DocParameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  security?: unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, DocOperation>>;
}

export interface QueryParameter {
  name: string;
  required: boolean;
  schema: JsonSchema;
}

export interface ApiOperation {
  method: string;
  /** The documented path, with `{name}` placeholders. */
  template: string;
  /** Placeholder names in the order they appear in the path. */
  pathParams: string[];
  query: QueryParameter[];
  /** The JSON body's schema, when the operation takes one. */
  body?: JsonSchema;
  /** The multipart form's schema, when the operation also takes one (a `file` field is binary). */
  multipart?: JsonSchema;
  bodyRequired: boolean;
  /** Documented with `security: []`: signing in, health, metrics. */
  open: boolean;
}

const HTTP_METHODS = new Set(['get', 'post', 'put', 'patch', 'delete']);

/** Every documented operation, in document order. */
export function operationsOf(doc: OpenApiDocument): ApiOperation[] {
  const operations: ApiOperation[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!HTTP_METHODS.has(method)) continue;
      const params = op.parameters ?? [];
      operations.push({
        method: method.toUpperCase(),
        template,
        pathParams: [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] ?? ''),
        query: params
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, required: p.required === true, schema: p.schema ?? {} })),
        body: op.requestBody?.content?.['application/json']?.schema,
        multipart: op.requestBody?.content?.['multipart/form-data']?.schema,
        bodyRequired: op.requestBody?.required === true,
        open: Array.isArray(op.security) && op.security.length === 0,
      });
    }
  }
  return operations;
}

/**
 * What a path parameter names: the path segment before it (`/webhooks/{id}` → `webhooks`,
 * `/groups/{jid}` → `groups`). The walk and the fuzz look ids up by it.
 */
export function resourceOf(template: string, param: string): string {
  const segments = template.split('/');
  const at = segments.indexOf(`{${param}}`);
  return segments[at - 1] ?? param;
}

/** The path with each placeholder replaced by `valueFor(param)`, given raw (already encoded). */
export function fillPath(op: ApiOperation, valueFor: (param: string) => string): string {
  return op.template.replace(/\{([^}]+)\}/g, (_, name: string) => valueFor(name));
}

/** The schema's alternatives folded into one: the first `anyOf`/`oneOf` branch, `allOf` merged. */
export function flatten(schema: JsonSchema): JsonSchema {
  const branch = schema.anyOf?.[0] ?? schema.oneOf?.[0];
  let flat: JsonSchema = branch ? { ...flatten(branch), ...without(schema, ['anyOf', 'oneOf']) } : schema;
  for (const part of flat.allOf ?? []) flat = { ...flatten(part), ...flat };
  return flat;
}

function without(schema: JsonSchema, keys: Array<keyof JsonSchema>): JsonSchema {
  const copy = { ...schema };
  for (const key of keys) delete copy[key];
  return copy;
}

export function typeOf(schema: JsonSchema): string {
  const flat = flatten(schema);
  const type = Array.isArray(flat.type) ? flat.type[0] : flat.type;
  if (type) return type;
  if (flat.properties) return 'object';
  if (flat.enum?.length) return typeof flat.enum[0];
  return 'unknown';
}

/**
 * Values a property is filled with by its name, before its schema is consulted: a phone number
 * where one is expected reaches past validation into the handler.
 */
export type NamedValues = (name: string, schema: JsonSchema) => unknown;

const STRING_CANDIDATES = ['15550001111', 'fuzz-value', 'a', 'https://example.com/hook', 'AbCdEfGhIjKlMnOp'];

function sampleString(schema: JsonSchema): string {
  if (schema.format === 'date-time') return '2099-01-01T00:00:00.000Z';
  if (schema.format === 'byte') return 'iVBORw0KGgo=';
  const fits = (s: string) =>
    s.length >= (schema.minLength ?? 0) &&
    s.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY) &&
    (!schema.pattern || new RegExp(schema.pattern).test(s));
  return STRING_CANDIDATES.find(fits) ?? 'x'.repeat(Math.max(1, schema.minLength ?? 1));
}

/** A value that the schema accepts, with every required property and the named ones present. */
export function sampleValue(schema: JsonSchema, named?: NamedValues, name = ''): unknown {
  const flat = flatten(schema);
  const chosen = name && named ? named(name, flat) : undefined;
  if (chosen !== undefined) return chosen;
  if (flat.example !== undefined) return flat.example;
  if (flat.const !== undefined) return flat.const;
  if (flat.enum?.length) return flat.enum[0];
  if (flat.default !== undefined) return flat.default;
  switch (typeOf(flat)) {
    case 'string':
      return sampleString(flat);
    case 'integer':
    case 'number':
      return Math.max(flat.minimum ?? 1, Math.min(flat.maximum ?? 1, 1));
    case 'boolean':
      return false;
    case 'array': {
      const count = Math.max(flat.minItems ?? 0, 1);
      return Array.from({ length: count }, () => sampleValue(flat.items ?? {}, named, name));
    }
    case 'object':
      return sampleObject(flat, named);
    default:
      return 'fuzz-value';
  }
}

function sampleObject(schema: JsonSchema, named?: NamedValues): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    const chosen = named?.(key, flatten(property));
    if (chosen !== undefined) object[key] = chosen;
    else if (schema.required?.includes(key)) object[key] = sampleValue(property, named, key);
  }
  // a PATCH demands at least one field: the first ones of the schema
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (Object.keys(object).length >= (schema.minProperties ?? 0)) break;
    object[key] ??= sampleValue(property, named, key);
  }
  return object;
}
