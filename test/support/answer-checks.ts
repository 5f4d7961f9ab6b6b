import type { RawAnswer, RawRequest } from './raw-http.ts';

/** A stack frame (`at fn (file:1:2)`), or a path of the gateway's own source or dependencies. */
const INTERNALS = [
  /\bat [^\n]*:\d+:\d+/,
  /node_modules/,
  /\/(work|home|usr|tmp)\/[\w.-]+\//,
  /file:\/\//,
  /\bsrc\/[\w/.-]+\.ts\b/,
];

/** Words of a JavaScript or database error that slipped into an answer instead of a coded one. */
const RAW_ERRORS =
  /\b(TypeError|ReferenceError|RangeError|Cannot read propert|is not a function|SQLITE_[A-Z]+|syntax error at or near|violates [a-z ]+ constraint|ZG_ERR_INTERNAL)\b/;

const CODE = /^ZG_ERR_[A-Z0-9_]+$/;

function codeOf(answer: RawAnswer): string | undefined {
  if (!answer.contentType.includes('json')) return undefined;
  try {
    const parsed = JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } };
    const code = parsed.error?.code;
    return typeof code === 'string' && typeof parsed.error?.message === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with an answer to a hostile request: a 5xx, a 4xx without the coded error body, a
 * stack trace, an internal path or a raw error. Empty when it is fine. Text the request itself
 * carried does not count against the answer that echoes it.
 */
export function problemsWith(request: RawRequest, answer: RawAnswer): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`answered ${answer.status}`);
  if (answer.status >= 400 && !CODE.test(codeOf(answer) ?? ''))
    problems.push(`a ${answer.status} without a coded error body { error: { code: ZG_ERR_…, message } }`);
  const sent = `${request.path}\n${request.body ?? ''}`;
  for (const pattern of INTERNALS) {
    const found = answer.body.match(pattern)?.[0];
    if (found && !sent.includes(found)) problems.push(`internal detail in the body: ${found}`);
  }
  const rawError = answer.body.match(RAW_ERRORS)?.[0];
  if (rawError && !sent.includes(rawError)) problems.push(`raw error text in the body: ${rawError}`);
  return problems;
}

const clip = (text: string, length: number) =>
  text.length > length ? `${text.slice(0, length)}… (${text.length} chars)` : text;

/** The request as a reader can send it again, and what came back. */
export function describeExchange(
  request: RawRequest & { label?: string },
  answer?: RawAnswer | Error,
): string {
  const lines = [
    `${request.label ?? ''}`,
    `  ${request.method} ${clip(request.path, 300)}`,
    ...Object.entries(request.headers).map(([name, value]) => `  ${name}: ${value}`),
    request.body === undefined ? '  (no body)' : `  body: ${clip(request.body, 400)}`,
  ];
  if (answer instanceof Error) lines.push(`  → ${answer.message}`);
  else if (answer) lines.push(`  → ${answer.status} ${clip(answer.body, 400)}`);
  return lines.join('\n');
}
