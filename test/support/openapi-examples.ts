import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';

type Json = Record<string, unknown>;
const SCHEMA_REF = '#/components/schemas/';

/** One example of the document with the schema it must fit, and where it sits. */
export interface Example {
  where: string;
  schema: Json;
  value: unknown;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `#/components/schemas/X` → `X`, the id each component is added to Ajv under. */
function localRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(localRefs);
  if (!isObject(node)) return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMA_REF)
        ? v.slice(SCHEMA_REF.length)
        : localRefs(v),
    ]),
  );
}

/** The value of `example` and of each entry of `examples` of a media type or parameter. */
function mediaExamples(where: string, media: Json): Example[] {
  const schema = media.schema;
  if (!isObject(schema)) return [];
  const found: Example[] = [];
  if (media.example !== undefined) found.push({ where, schema, value: media.example });
  for (const [name, entry] of Object.entries(isObject(media.examples) ? media.examples : {}))
    if (isObject(entry)) found.push({ where: `${where} (${name})`, schema, value: entry.value });
  return found;
}

/** Every `example` written inside a schema, checked against the schema it is written in. */
function schemaExamples(where: string, node: unknown): Example[] {
  if (Array.isArray(node)) return node.flatMap((n, i) => schemaExamples(`${where}/${i}`, n));
  if (!isObject(node)) return [];
  const own = node.example !== undefined ? [{ where, schema: node, value: node.example }] : [];
  return [
    ...own,
    ...Object.entries(node)
      .filter(([k]) => k !== 'example' && k !== 'examples')
      .flatMap(([k, v]) => schemaExamples(`${where}/${k}`, v)),
  ];
}

/** Every example of an OpenAPI 3.0 document: parameters, bodies, responses and schemas. */
export function examplesOf(doc: Json): Example[] {
  const components = (doc.components ?? {}) as { responses?: Json; schemas?: Json };
  const found: Example[] = [...schemaExamples('#/components/schemas', components.schemas)];
  const response = (r: unknown): Json => {
    const ref = isObject(r) && typeof r.$ref === 'string' ? r.$ref.split('/').pop() : undefined;
    return (ref ? components.responses?.[ref] : r) as Json;
  };
  for (const [path, methods] of Object.entries(doc.paths as Json)) {
    for (const [method, op] of Object.entries(methods as Record<string, Json>)) {
      const at = `${method.toUpperCase()} ${path}`;
      for (const p of (op.parameters ?? []) as Json[]) {
        found.push(...mediaExamples(`${at} parameter ${String(p.name)}`, p));
        found.push(...schemaExamples(`${at} parameter ${String(p.name)}`, p.schema));
      }
      const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
      for (const [type, media] of Object.entries(body ?? {})) {
        found.push(...mediaExamples(`${at} body ${type}`, media));
        found.push(...schemaExamples(`${at} body ${type}`, media.schema));
      }
      for (const callback of Object.values((op.callbacks ?? {}) as Record<string, Record<string, Json>>))
        for (const [expression, item] of Object.entries(callback))
          found.push(...examplesOf({ paths: { [`${path} → callback ${expression}`]: item }, components }));
      for (const [status, r] of Object.entries(op.responses as Json)) {
        const content = (response(r).content ?? {}) as Record<string, Json>;
        for (const [type, media] of Object.entries(content)) {
          found.push(...mediaExamples(`${at} ${status} ${type}`, media));
          found.push(...schemaExamples(`${at} ${status} ${type}`, media.schema));
        }
      }
    }
  }
  return found;
}

/**
 * Ajv as Fastify sets it up for the gateway (its formats, the discriminator), without type
 * coercion: an example must be right as written, not after Ajv turned "1" into 1. OpenAPI's own
 * keywords are known to it, and `binary` is any string.
 */
export function exampleChecker(doc: Json): (example: Example) => string | undefined {
  const ajv = new Ajv({ discriminator: true, removeAdditional: false, useDefaults: false, allErrors: true });
  formats.default(ajv);
  ajv.addFormat('binary', true);
  ajv.addVocabulary(['example', 'xml', 'externalDocs']);
  const schemas = ((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  for (const [name, schema] of Object.entries(schemas)) ajv.addSchema(localRefs(schema) as Json, name);
  const compiled = new Map<Json, ValidateFunction>();
  return ({ schema, value }) => {
    let validate = compiled.get(schema);
    if (!validate) {
      const { example: _, ...rest } = localRefs(schema) as Json;
      validate = ajv.compile(rest);
      compiled.set(schema, validate);
    }
    if (validate(structuredClone(value))) return undefined;
    return ajv.errorsText(validate.errors);
  };
}
