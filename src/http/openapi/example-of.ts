/** A JSON Schema (as OpenAPI 3.0 holds it), read loosely. */
export type JsonSchema = Record<string, unknown>;

const WHEN = '2026-12-01T12:00:00.000Z';

/** Plausible values for fields by name, where the type alone would say only "string". */
const BY_NAME: Record<string, unknown> = {
  id: '0193a6f2-5b1e-7c3d-9f00-6a1b2c3d4e5f',
  name: 'shop',
  phone: '5511987654321',
  phoneNumber: '5511987654321',
  to: '5511987654321',
  jid: '5511987654321@s.whatsapp.net',
  chat: '5511987654321@s.whatsapp.net',
  chatJid: '5511987654321@s.whatsapp.net',
  lid: '81234567890123@lid',
  waMessageId: '3EB0C431C26A1916E07A',
  pushName: 'Ana',
  url: 'https://example.com/hooks/zapgate',
  text: 'Hello',
  qrDataUrl: 'data:image/png;base64,iVBORw0KGgo=',
  message: 'Hello',
  event: 'message.received',
  secret: 'whsec_3d9f2c1b7a6e5d4c',
  qr: '2@Zm9vYmFy,aGVsbG8=,d29ybGQ=,MQ==',
  key: 'zg_3d9f2c1b7a6e5d4c3b2a1f0e9d8c7b6a',
  prefix: 'zg_3d9f',
  tenantId: '0193a6f2-0000-7000-8000-000000000001',
};

const STRING_BY_FORMAT: Record<string, string> = {
  'date-time': WHEN,
  date: WHEN.slice(0, 10),
  uuid: BY_NAME.id as string,
  uri: 'https://example.com/',
  email: 'ops@example.com',
  binary: '',
};

function resolve(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const target = components[ref.replace('#/components/schemas/', '')];
  return target ? resolve(target, components) : {};
}

function stringOf(schema: JsonSchema, name: string | undefined): string {
  const format = typeof schema.format === 'string' ? STRING_BY_FORMAT[schema.format] : undefined;
  if (format !== undefined) return format;
  // createdAt, sentAt, expiresAt…: timestamps, whether or not the schema says so
  if (name?.endsWith('At')) return WHEN;
  const byName = name === undefined ? undefined : BY_NAME[name];
  const text = typeof byName === 'string' ? byName : 'string';
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  return text.padEnd(min, 'x');
}

/**
 * A value that fits `schema`, for a response that has no example of its own: its own `example`,
 * default or first enum value where it has one, plausible names for common fields otherwise.
 * Optional fields are included, so the example shows the whole shape.
 */
export function exampleOf(
  given: JsonSchema,
  components: Record<string, JsonSchema>,
  name?: string,
  depth = 0,
): unknown {
  const schema = resolve(given, components);
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const branches = (schema.oneOf ?? schema.anyOf) as JsonSchema[] | undefined;
  if (branches?.length) {
    const first = branches.find((b) => resolve(b, components).type !== 'null') ?? branches[0] ?? {};
    return exampleOf(first, components, name, depth + 1);
  }
  if (depth > 12) return null;
  switch (schema.type) {
    case 'string':
      return stringOf(schema, name);
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? Math.max(schema.minimum, 1) : 1;
    case 'boolean':
      return true;
    case 'array': {
      const item = exampleOf((schema.items ?? {}) as JsonSchema, components, undefined, depth + 1);
      const count = typeof schema.minItems === 'number' ? Math.max(schema.minItems, 1) : 1;
      return Array.from({ length: count }, () => item);
    }
    case 'object':
    case undefined: {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      return Object.fromEntries(
        Object.entries(properties).map(([key, value]) => [key, exampleOf(value, components, key, depth + 1)]),
      );
    }
    default:
      return null;
  }
}
