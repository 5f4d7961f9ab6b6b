import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyaddr from '@fastify/proxy-addr';

/**
 * TRUST_PROXY: whose `X-Forwarded-For` names the client. `false` (the default): nobody's, the
 * client is the connection's peer. `true`: every hop's (only when nothing reaches the gateway but
 * through the proxy). A list: the proxies' addresses, CIDR ranges, or `loopback`, `linklocal`,
 * `uniquelocal`; the client is the nearest address that is not one of them.
 */
export type TrustProxy = boolean | readonly string[];

const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Whether `entry` is an address, a CIDR range or a named range that proxy-addr knows. */
export function isTrustProxyEntry(entry: string): boolean {
  if (NAMED.has(entry)) return true;
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (!family || rest.length) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

/** The value of Fastify's `trustProxy` option, so `request.ip` follows the same rule. */
export const fastifyTrustProxy = (trust: TrustProxy): boolean | string =>
  typeof trust === 'boolean' ? trust : trust.length ? trust.join(',') : false;

/** The client's address of a raw request (socket.io's handshake), by Fastify's rule. */
export function clientAddressOf(trust: TrustProxy): (request: IncomingMessage) => string {
  const peer = (request: IncomingMessage) => request.socket.remoteAddress ?? '';
  if (trust === false || (Array.isArray(trust) && trust.length === 0)) return peer;
  const trusts = trust === true ? () => true : proxyaddr.compile([...(trust as readonly string[])]);
  return (request) => proxyaddr(request, trusts);
}
