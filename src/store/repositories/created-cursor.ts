import { Errors } from '../../errors.ts';

/** A page position in a list ordered by creation time, then id: opaque to the caller. */
export const encodeCreatedCursor = (row: { created_at: number; id: string }): string =>
  Buffer.from(`c${Number(row.created_at)}.${row.id}`, 'utf8').toString('base64url');

/**
 * The creation time and id a cursor stands for, or a validation error: only the form this module
 * writes is taken (a NUL in a query is a 500 from PostgreSQL).
 */
export function decodeCreatedCursor(cursor: string): { createdAt: number; id: string } {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^c(\d{1,15})\.([\w-]{1,128})$/.exec(text);
  if (!match?.[1] || !match[2]) throw Errors.validation('cursor is not one this API returned');
  return { createdAt: Number(match[1]), id: match[2] };
}
