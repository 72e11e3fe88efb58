import { isIPv4, isIPv6 } from 'node:net';
import type { ListenAddress } from './serverConfig.js';
import { invalidValue } from './values.js';

const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const EXPECTED = 'host:port, :port or [ipv6]:port with a port from 0 to 65535';

/**
 * `host:port`, `:port` (every interface, IPv4 and IPv6) or `[v6-literal]:port` (spec 01 §2.1).
 * An unbracketed IPv6 literal is refused because its last colon cannot be told from the port's.
 */
export function parseListenAddress(name: string, value: string): ListenAddress {
  const text = value.trim();
  const colon = text.lastIndexOf(':');
  if (colon < 0) throw invalidValue(name, value, EXPECTED);
  const hostPart = text.slice(0, colon);
  const portPart = text.slice(colon + 1);

  const port = /^\d{1,5}$/.test(portPart) ? Number(portPart) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw invalidValue(name, value, EXPECTED);

  if (hostPart === '') return { host: null, port };
  if (hostPart.startsWith('[') && hostPart.endsWith(']')) {
    const literal = hostPart.slice(1, -1);
    if (isIPv6(literal)) return { host: literal, port };
  } else if (isIPv4(hostPart) || (HOSTNAME.test(hostPart) && hostPart.length <= 253)) {
    return { host: hostPart, port };
  }
  throw invalidValue(name, value, EXPECTED);
}
