import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** Runs of 7–15 digits (optionally after +): phone numbers, also inside jids. */
const PHONE_RUN = /\+?\b(\d{3})(\d{0,8})(\d{4})\b/g;
const SECRET_KEY =
  /(authorization|api[-_]?key|secret|password|master[-_]?key|token|^key$|qr|pairing[-_]?code)/i;

/** A secret in a URL's query string (`?apiKey=…`, `&token=…`): its value is logged as `[redacted]`. */
const QUERY_SECRET =
  /([?&](?:api[-_]?key|key|token|access[-_]?token|auth|authorization|secret|password)=)[^&#\s"']*/gi;
/** A gateway API key anywhere in a string, however it got there. */
const API_KEY_TEXT = /\bzg_[A-Za-z0-9_-]{8,}/g;

/** Replaces query-string secrets and API keys in a string (a logged URL, a message). */
export function maskSecrets(text: string): string {
  return text.replace(QUERY_SECRET, '$1[redacted]').replace(API_KEY_TEXT, 'zg_[redacted]');
}

/** Masks phone numbers in a string: `15550001111@s.whatsapp.net` → `155****1111@s.whatsapp.net`. */
export function maskPhones(text: string): string {
  return text.replace(PHONE_RUN, (whole, head: string, middle: string, tail: string) =>
    whole.replace(/\D/g, '').length >= 7 ? `${head}${'*'.repeat(middle.length)}${tail}` : whole,
  );
}

const maskText = (text: string): string => maskPhones(maskSecrets(text));

/** A copy of a log record with secrets replaced and phone numbers masked, at any depth. */
export function maskRecord(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error)
    return { type: value.name, message: maskText(value.message), stack: maskText(value.stack ?? '') };
  if (Array.isArray(value)) return value.map((v) => maskRecord(v, depth + 1));
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return `<${value.length} bytes>`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] =
      SECRET_KEY.test(k) && v !== null && v !== undefined && typeof v !== 'boolean'
        ? '[redacted]'
        : maskRecord(v, depth + 1);
  }
  return out;
}

/** `json`: one JSON object a line; `pretty`: coloured lines for a person; `auto`: pretty on a terminal. */
export type LogFormat = 'json' | 'pretty' | 'auto';

/** JSON unless asked for pretty, or asked for auto with stdout on a terminal. */
export function resolveLogFormat(
  format: LogFormat,
  isTerminal = process.stdout.isTTY === true,
): 'json' | 'pretty' {
  return format === 'auto' ? (isTerminal ? 'pretty' : 'json') : format;
}

/** Pretty lines on stdout; the records reach it already masked, as JSON does. */
function prettyStream(destination?: pino.DestinationStream): pino.DestinationStream {
  return pretty({
    destination: destination ?? 1,
    colorize: destination === undefined && process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
  });
}

/** The gateway's logger, on stdout, with secrets and phone numbers masked in either format. */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  format: LogFormat = 'json',
): Logger {
  const stream = resolveLogFormat(format) === 'pretty' ? prettyStream(destination) : destination;
  return pino(
    {
      level,
      formatters: { log: (record) => maskRecord(record) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          const masked = args.map((a) =>
            typeof a === 'string' ? maskPhones(maskSecrets(a)) : a,
          ) as Parameters<typeof method>;
          method.apply(this, masked);
        },
      },
    },
    stream,
  );
}
