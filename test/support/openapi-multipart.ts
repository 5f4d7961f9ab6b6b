import { HOSTILE_STRINGS, type Random } from './fuzz-values.ts';
import { flatten, type JsonSchema, type NamedValues, sampleValue } from './openapi-operations.ts';

/**
 * Multipart forms for the operations that document one: a valid form, each required part
 * missing, hostile values and part names, a file name that climbs, more parts and files than the
 * gateway reads, and a form cut off before its closing boundary.
 */
export interface MultipartCase {
  label: string;
  body: string;
  contentType: string;
}

const BOUNDARY = 'zg-fuzz-boundary';
const CONTENT_TYPE = `multipart/form-data; boundary=${BOUNDARY}`;
const PNG_SIGNATURE = '\u0089PNG\r\n\u001a\n';

type Part = { name: string; value: string; fileName?: string };

const encode = (parts: Part[], close = true): string =>
  parts
    .map((p) => {
      const file = p.fileName === undefined ? '' : `; filename="${p.fileName}"\r\nContent-Type: image/png`;
      return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${p.name}"${file}\r\n\r\n${p.value}\r\n`;
    })
    .join('') + (close ? `--${BOUNDARY}--\r\n` : '');

const isBinary = (schema: JsonSchema) => flatten(schema).format === 'binary';

function validParts(schema: JsonSchema, named: NamedValues): Part[] {
  const flat = flatten(schema);
  return Object.entries(flat.properties ?? {})
    .filter(([name]) => flat.required?.includes(name))
    .map(([name, property]) =>
      isBinary(property)
        ? { name, value: `${PNG_SIGNATURE}not really a picture`, fileName: 'fuzz.png' }
        : { name, value: String(named(name, flatten(property)) ?? sampleValue(property, named, name)) },
    );
}

export function multipartCases(schema: JsonSchema, named: NamedValues, random: Random): MultipartCase[] {
  const parts = validParts(schema, named);
  const flat = flatten(schema);
  const strings = Object.entries(flat.properties ?? {}).filter(
    ([, p]) => flatten(p).type === 'string' && !isBinary(p),
  );
  const forms: Array<[string, Part[], boolean?]> = [
    ['valid form', parts],
    ...parts.map((p): [string, Part[]] => [`part ${p.name} missing`, parts.filter((q) => q !== p)]),
    ...strings.flatMap(([name]) =>
      random
        .some(HOSTILE_STRINGS, 2)
        .map((value): [string, Part[]] => [
          `part ${name} = ${JSON.stringify(value).slice(0, 30)}`,
          [...parts.filter((p) => p.name !== name), { name, value }],
        ]),
    ),
    [
      'prototype part names',
      [...parts, { name: '__proto__', value: 'x' }, { name: 'constructor', value: 'x' }],
    ],
    ['file name that climbs', parts.map((p) => (p.fileName ? { ...p, fileName: '../../../etc/passwd' } : p))],
    ['two files', [...parts, { name: 'file2', value: 'second', fileName: 'b.png' }]],
    ['200 parts', [...parts, ...Array.from({ length: 200 }, (_, i) => ({ name: `extra${i}`, value: 'v' }))]],
    ['no closing boundary', parts, false],
  ];
  return forms.map(([label, form, close]) => ({
    label: `multipart: ${label}`,
    body: encode(form, close !== false),
    contentType: CONTENT_TYPE,
  }));
}
