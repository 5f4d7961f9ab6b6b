import type { BinaryNode } from 'baileys';

export type { BinaryNode };

export const S_WA = 's.whatsapp.net';

export const child = (node: BinaryNode | undefined, tag: string): BinaryNode | undefined =>
  Array.isArray(node?.content) ? node.content.find((c) => c.tag === tag) : undefined;

export const children = (node: BinaryNode | undefined, tag: string): BinaryNode[] =>
  Array.isArray(node?.content) ? node.content.filter((c) => c.tag === tag) : [];

export const firstChild = (node: BinaryNode | undefined): BinaryNode | undefined =>
  Array.isArray(node?.content) ? node.content[0] : undefined;

/** The bytes of a node's content; strings are taken as UTF-8. */
export const contentBytes = (node: BinaryNode | undefined): Buffer | undefined => {
  const c = node?.content;
  if (c instanceof Uint8Array) return Buffer.from(c);
  if (typeof c === 'string') return Buffer.from(c, 'utf8');
  return undefined;
};

export const childBytes = (node: BinaryNode | undefined, tag: string): Buffer | undefined =>
  contentBytes(child(node, tag));

/** Big-endian unsigned integer of `len` bytes, as WhatsApp encodes key ids and registration ids. */
export const uintBytes = (n: number, len = 4): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b.subarray(4 - len);
};

export const readUint = (buf: Uint8Array | undefined): number =>
  buf ? Buffer.from(buf).reduce((acc, x) => acc * 256 + x, 0) : 0;

export const unixNow = (): string => Math.floor(Date.now() / 1000).toString();

export const userOf = (jid: string): string => jid.split('@')[0]?.split(':')[0] ?? '';

export const deviceOf = (jid: string): number => Number(jid.split('@')[0]?.split(':')[1] ?? 0);

export const serverOf = (jid: string): string => jid.split('@')[1] ?? '';

/** `user@server` without the device part. */
export const bareJid = (jid: string): string => `${userOf(jid)}@${serverOf(jid)}`;
