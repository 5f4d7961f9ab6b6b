import {
  HOSTILE_NUMBERS,
  HOSTILE_STRINGS,
  PATH_ATTACKS,
  Random,
  raw,
  toJson,
  WRONG_TYPES,
} from './fuzz-values.ts';
import { multipartCases } from './openapi-multipart.ts';
import {
  type ApiOperation,
  fillPath,
  flatten,
  type JsonSchema,
  type NamedValues,
  resourceOf,
  sampleValue,
  typeOf,
} from './openapi-operations.ts';

/**
 * Requests generated from the OpenAPI document for every operation: each required field missing,
 * each field wrong-typed, oversized, deeply nested or hostile, numbers JSON can spell but
 * JavaScript cannot hold, path parameters encoded to climb or split the path, wrong content
 * types, empty and malformed bodies, with and without a key. Seeded: one seed, one list.
 */

export type KeyChoice = 'admin' | 'tenant' | 'none';

export interface FuzzRequest {
  /** What this request varies, for the failure message. */
  label: string;
  method: string;
  /** The raw request target, sent as it is (never normalised). */
  path: string;
  headers: Record<string, string>;
  body?: string;
  key: KeyChoice;
  /** It may take the fixture's objects away or its number offline (a DELETE, a stop): sent last. */
  late: boolean;
}

export interface FuzzTarget {
  /** A valid id of the resource a path parameter names (`instances`, `messages`, …). */
  idFor(resource: string): string;
  /** Values for body fields by name (a phone number for `to`), as sampleValue takes them. */
  named: NamedValues;
}

const JSON_TYPE = { 'content-type': 'application/json' };

interface Base {
  op: ApiOperation;
  path: string;
  query: Record<string, string>;
  body: unknown;
}

const late = (op: ApiOperation) =>
  op.method === 'DELETE' || /\/(logout|stop|start|restart)$/.test(op.template);

function request(base: Base, label: string, over: Partial<FuzzRequest> = {}): FuzzRequest {
  const search = new URLSearchParams(base.query).toString();
  const hasBody = base.body !== undefined;
  return {
    label,
    method: base.op.method,
    path: `${base.path}${search ? `?${search}` : ''}`,
    headers: hasBody ? { ...JSON_TYPE } : {},
    body: hasBody ? toJson(base.body) : undefined,
    key: 'admin',
    late: late(base.op),
    ...over,
  };
}

function baseOf(op: ApiOperation, target: FuzzTarget): Base {
  const path = fillPath(op, (param) => encodeURIComponent(target.idFor(resourceOf(op.template, param))));
  const query: Record<string, string> = {};
  for (const q of op.query) if (q.required) query[q.name] = String(sampleValue(q.schema));
  const body = op.body ? sampleValue(op.body, target.named) : undefined;
  return { op, path, query, body };
}

function keyCases(base: Base): FuzzRequest[] {
  return [
    request(base, 'valid request'),
    request(base, 'valid request, tenant key', { key: 'tenant' }),
    request(base, 'valid request, no key', { key: 'none' }),
  ];
}

function pathCases(base: Base, target: FuzzTarget, random: Random): FuzzRequest[] {
  return base.op.pathParams.flatMap((param) =>
    random.some(PATH_ATTACKS, 6).map((attack) => {
      const path = fillPath(base.op, (p) =>
        p === param ? attack : encodeURIComponent(target.idFor(resourceOf(base.op.template, p))),
      );
      return request({ ...base, path }, `path {${param}} = ${attack.slice(0, 40)}`);
    }),
  );
}

function queryValues(schema: JsonSchema, random: Random): string[] {
  const type = typeOf(schema);
  const wrong = type === 'string' ? ['[object Object]'] : ['abc', 'true', '[]'];
  return [
    ...wrong,
    ...random.some(HOSTILE_NUMBERS, 3),
    'Infinity',
    '0x10',
    'x'.repeat(10_000),
    ...random.some(HOSTILE_STRINGS, 3),
  ];
}

function queryCases(base: Base, random: Random): FuzzRequest[] {
  const cases = base.op.query.flatMap((q) =>
    queryValues(q.schema, random).map((value) =>
      request(
        { ...base, query: { ...base.query, [q.name]: value } },
        `query ${q.name} = ${value.slice(0, 40)}`,
      ),
    ),
  );
  const first = base.op.query[0]?.name ?? 'x';
  const repeated = `${first}=1&${first}=2&__proto__[polluted]=1&constructor[prototype][x]=1`;
  const withRepeats = request(base, 'query repeated and prototype keys');
  withRepeats.path = `${withRepeats.path}${withRepeats.path.includes('?') ? '&' : '?'}${repeated}`;
  return [...cases, withRepeats];
}

const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const nested = (depth: number): unknown => (depth === 0 ? 'leaf' : { a: nested(depth - 1) });

/** Bodies that are no JSON object at all, or not JSON, or labelled as something else. */
function wholeBodyCases(base: Base, random: Random): FuzzRequest[] {
  const valid = base.body === undefined ? '{}' : toJson(base.body);
  const bodies: Array<[string, string, Record<string, string>]> = [
    ['empty JSON body', '', JSON_TYPE],
    ['body null', 'null', JSON_TYPE],
    ['body an array', '[]', JSON_TYPE],
    ['body a string', '"text"', JSON_TYPE],
    ['body a number', '1e309', JSON_TYPE],
    ['truncated JSON', valid.slice(0, Math.max(1, valid.length - 2)), JSON_TYPE],
    ['malformed JSON', '{"a": 1,,}', JSON_TYPE],
    ['arrays nested 20000 deep', deepArray(20_000), JSON_TYPE],
    ['objects nested 20000 deep', deepObject(20_000), JSON_TYPE],
    [
      'prototype keys',
      valid.replace(/^\{/, '{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":1}},'),
      JSON_TYPE,
    ],
    ['as text/plain', valid, { 'content-type': 'text/plain' }],
    ['as a form', 'name=x&to=1', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['as multipart without a boundary', valid, { 'content-type': 'multipart/form-data' }],
    [
      'as garbled multipart',
      '--b\r\nContent-Disposition: form-data; name="to"\r\n\r\n1',
      { 'content-type': 'multipart/form-data; boundary=b' },
    ],
    ['with a made-up content type', valid, { 'content-type': 'application/x-zapgate-nothing' }],
    ['JSON in UTF-16', valid, { 'content-type': 'application/json; charset=utf-16' }],
    ['JSON without a content type', valid, {}],
    ['invalid UTF-8', '{"name":"\udc80\ud800"}', JSON_TYPE],
  ];
  const chosen = base.body === undefined ? random.some(bodies, 6) : bodies;
  const cases = chosen.map(([label, body, headers]) => request(base, label, { body, headers }));
  if (random.next() < 0.3)
    cases.push(request(base, 'body of 3 MB', { body: `{"a":"${'x'.repeat(3_000_000)}"}` }));
  return cases;
}

/** Replaces the value at `path` (property names, `0` for an array's first item) in a copy. */
function withValue(body: unknown, path: string[], value: unknown, remove = false): unknown {
  if (path.length === 0) return value;
  const [head = '', ...rest] = path;
  const copy: Record<string, unknown> | unknown[] = Array.isArray(body) ? [...body] : { ...(body as object) };
  const holder = copy as Record<string, unknown>;
  if (remove && rest.length === 0) delete holder[head];
  else holder[head] = withValue(holder[head], rest, value, remove);
  return copy;
}

interface Field {
  path: string[];
  schema: JsonSchema;
  required: boolean;
}

/** The body's fields, two levels deep (an array's items count as a level). */
function fieldsOf(schema: JsonSchema, sample: unknown, path: string[] = [], depth = 0): Field[] {
  const flat = flatten(schema);
  if (depth > 2) return [];
  if (typeOf(flat) === 'array' && Array.isArray(sample) && flat.items)
    return fieldsOf(flat.items, sample[0], [...path, '0'], depth + 1);
  if (typeOf(flat) !== 'object') return [];
  return Object.entries(flat.properties ?? {}).flatMap(([name, property]) => {
    const here = [...path, name];
    const value = (sample as Record<string, unknown> | undefined)?.[name];
    return [
      { path: here, schema: flatten(property), required: flat.required?.includes(name) === true },
      ...fieldsOf(property, value, here, depth + 1),
    ];
  });
}

function oversized(schema: JsonSchema): unknown[] {
  const type = typeOf(schema);
  if (type === 'string') return ['x'.repeat((schema.maxLength ?? 1000) + 1), 'y'.repeat(300_000)];
  if (type === 'array') return [Array.from({ length: (schema.maxItems ?? 1000) + 1 }, () => '15550001111')];
  if (type === 'integer' || type === 'number') return [raw(String((schema.maximum ?? 1e15) + 1))];
  if (type === 'object') return [Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, 'v']))];
  return [];
}

function fieldValues(field: Field, random: Random): Array<[string, unknown]> {
  const type = typeOf(field.schema);
  const wrong = WRONG_TYPES.filter(
    (v) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v) !== type,
  );
  const values: Array<[string, unknown]> = [
    ...random.some(wrong, 2).map((v): [string, unknown] => [`wrong type ${JSON.stringify(v)}`, v]),
    ...oversized(field.schema).map((v): [string, unknown] => ['oversized', v]),
    ['nested 200 deep', nested(200)],
  ];
  if (type === 'string')
    values.push(
      ...random
        .some(HOSTILE_STRINGS, 4)
        .map((v): [string, unknown] => [`hostile ${JSON.stringify(v).slice(0, 30)}`, v]),
    );
  if (type === 'integer' || type === 'number')
    values.push(...random.some(HOSTILE_NUMBERS, 4).map((v): [string, unknown] => [`number ${v}`, raw(v)]));
  if (type === 'array')
    values.push(...random.some(HOSTILE_STRINGS, 2).map((v): [string, unknown] => [`hostile item`, [v]]));
  return values;
}

function fieldCases(base: Base, random: Random): FuzzRequest[] {
  if (!base.op.body) return [];
  return fieldsOf(base.op.body, base.body).flatMap((field) => {
    const name = field.path.join('.');
    const cases = fieldValues(field, random).map(([label, value]) =>
      request(base, `${name}: ${label}`, { body: toJson(withValue(base.body, field.path, value)) }),
    );
    if (field.required)
      cases.push(
        request(base, `${name} missing`, { body: toJson(withValue(base.body, field.path, undefined, true)) }),
      );
    return cases;
  });
}

function formCases(base: Base, target: FuzzTarget, random: Random): FuzzRequest[] {
  if (!base.op.multipart) return [];
  return multipartCases(base.op.multipart, target.named, random).map((form) =>
    request(base, form.label, { body: form.body, headers: { 'content-type': form.contentType } }),
  );
}

export interface FuzzPlan {
  seed: number;
  /** At most this many requests; every operation keeps its valid and keyless ones. */
  maxRequests: number;
}

/** Every request of the plan, in the order to send them: those marked late last. */
export function fuzzRequests(operations: ApiOperation[], target: FuzzTarget, plan: FuzzPlan): FuzzRequest[] {
  const random = new Random(plan.seed);
  const kept: FuzzRequest[] = [];
  const optional: FuzzRequest[] = [];
  for (const op of operations) {
    const base = baseOf(op, target);
    kept.push(...keyCases(base));
    optional.push(
      ...pathCases(base, target, random),
      ...queryCases(base, random),
      ...wholeBodyCases(base, random),
      ...fieldCases(base, random),
      ...formCases(base, target, random),
    );
  }
  const room = Math.max(0, plan.maxRequests - kept.length);
  const chosen = random.shuffle([...kept, ...random.shuffle(optional).slice(0, room)]);
  return [...chosen.filter((r) => !r.late), ...chosen.filter((r) => r.late)];
}
