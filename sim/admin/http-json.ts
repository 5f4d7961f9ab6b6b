import type { IncomingMessage, ServerResponse } from 'node:http';
import { badInput, SimError } from '../errors.ts';

const MAX_BODY_BYTES = 128 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw badInput('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req)).toString('utf8').trim();
  if (!raw) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badInput('body must be JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw badInput('body must be a JSON object');
  return parsed as Record<string, unknown>;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const data = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': data.length });
  res.end(data);
}

export function sendError(res: ServerResponse, err: unknown, onUnexpected: (err: unknown) => void): void {
  if (err instanceof SimError) {
    sendJson(res, err.status, { error: err.message });
    return;
  }
  onUnexpected(err);
  sendJson(res, 500, { error: 'internal simulator error' });
}

export const optionalString = (body: Record<string, unknown>, field: string): string | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badInput(`${field} must be a string`);
  return value;
};

export const requiredString = (body: Record<string, unknown>, field: string): string => {
  const value = optionalString(body, field);
  if (!value) throw badInput(`${field} is required`);
  return value;
};
