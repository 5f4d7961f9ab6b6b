import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { Agent } from 'undici';

const PRIVATE_V4 = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE_V4.addSubnet(net, bits, 'ipv4');
}
const PRIVATE_V6 = new BlockList();
for (const [net, bits] of [
  ['::', 96], // unspecified, loopback and the IPv4-compatible form (deprecated, never routed)
  ['64:ff9b:1::', 48], // NAT64 for local use: what it reaches is the operator's own network
  ['100::', 64], // discard-only
  ['::ffff:0:0:0', 96], // IPv4-translated (SIIT): reaches the IPv4 address inside
  ['2001::', 32], // Teredo: the IPv4 it tunnels to is obfuscated, not worth decoding
  ['2001:db8::', 32], // documentation
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10], // site-local (deprecated, still routed inside some networks)
  ['ff00::', 8],
] as const) {
  PRIVATE_V6.addSubnet(net, bits, 'ipv6');
}

export class UrlRefused extends Error {
  override name = 'UrlRefused';
}

/** The 16 bytes of an IPv6 address in any notation (`::` compressed, dotted IPv4 tail, zone id). */
function ipv6Bytes(address: string): Uint8Array | undefined {
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
    text = `${text.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (part: string) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const all =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  if (all.length !== 8) return undefined;
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    const n = Number.parseInt(g, 16);
    bytes[i * 2] = n >> 8;
    bytes[i * 2 + 1] = n & 0xff;
  });
  return bytes;
}

const v4At = (b: Uint8Array, at: number): string => [...b.subarray(at, at + 4)].join('.');
const zeros = (b: Uint8Array, from: number, to: number): boolean =>
  b.subarray(from, to).every((x) => x === 0);

/**
 * The IPv4 address an IPv6 one stands for, where it embeds one that a packet to it reaches:
 * IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d` and 6to4 `2002:aabb:ccdd::/48`.
 */
function embeddedV4(b: Uint8Array): string | undefined {
  if (zeros(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return v4At(b, 12);
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(b, 4, 12)) return v4At(b, 12);
  if (b[0] === 0x20 && b[1] === 0x02) return v4At(b, 2);
  return undefined;
}

export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE_V4.check(address, 'ipv4');
  if (family !== 6) return true;
  const bytes = ipv6Bytes(address);
  if (!bytes) return true;
  const v4 = embeddedV4(bytes);
  if (v4) return PRIVATE_V4.check(v4, 'ipv4');
  return PRIVATE_V6.check(address.split('%')[0] ?? '', 'ipv6');
}

type Resolve = (
  hostname: string,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

const systemResolve: Resolve = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/**
 * A `lookup` for sockets that refuses a name resolving to any private address: the guard runs on the
 * very answer the connection then uses, so a name cannot pass the check and connect elsewhere.
 */
export function guardedLookup(resolve: Resolve = systemResolve): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (err, found) => {
      if (err) return callback(err, '', 0);
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
      const addresses = family ? found.filter((a) => a.family === family) : found;
      const first = addresses[0];
      if (!first) return callback(new UrlRefused(`${hostname} does not resolve`), '', 0);
      const bad = addresses.find((a) => isPrivateAddress(a.address));
      if (bad)
        return callback(
          new UrlRefused(`${hostname} resolves to a private or loopback address (${bad.address})`),
          '',
          0,
        );
      if (options.all) (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

/** A dispatcher whose connections only go to public addresses, checked as they are resolved. */
export function guardedAgent(resolve?: Resolve): Agent {
  return new Agent({ connect: { lookup: guardedLookup(resolve) } });
}

let shared: Agent | undefined;
/**
 * What `fetch` is given for a URL from a caller: the guarded agent (one, lazily, for its pooled
 * connections), or none when the operator allows private addresses.
 */
export function fetchDispatcher(allowPrivate: boolean): Agent | undefined {
  if (allowPrivate) return undefined;
  shared ??= guardedAgent();
  return shared;
}

/** The UrlRefused behind a failed fetch (the guarded lookup refused its address), if that was why. */
export function refusalOf(err: unknown): UrlRefused | undefined {
  for (let e: unknown = err; e instanceof Error; e = e.cause) if (e instanceof UrlRefused) return e;
  return undefined;
}

/**
 * Refuses URLs that are not http(s), or whose host is or resolves to a private, loopback or
 * link-local address (unless the operator allows them): an early, clear answer. The connection
 * itself is guarded again by `fetchDispatcher`, on the addresses it actually connects to.
 */
export async function assertFetchableUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefused(`"${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UrlRefused(`only http and https URLs are fetched, not ${url.protocol}`);
  if (allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host)
    ? [host]
    : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new UrlRefused(`${host} does not resolve`);
  if (addresses.some(isPrivateAddress))
    throw new UrlRefused(`${host} resolves to a private or loopback address`);
  return url;
}
