import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import type { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { SERVER_VERSION } from '../bundledPlugins.js';
import { sha256Hex } from '../ingest/digest.js';
import { ProviderError } from './ProviderError.js';
import { isSecretReference, type SecretResolver } from './secretRefs.js';
import { hasControlCharacter, optionalObject, optionalString } from './sourceProperties.js';
import type { FetchContext, Provider, SourceLocation } from './types.js';

/** 04 §15. */
export const MAX_REDIRECTS = 5;
const MIN_TIMEOUT_SECONDS = 1;
const MAX_TIMEOUT_SECONDS = 300;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Framing headers are node's to set; a configured value could desynchronize the request (04 §14.3). */
const REFUSED_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);
/**
 * Dropped, with every configured header, when a redirect leaves the origin (as browsers drop
 * `Authorization`): configured headers often carry credentials (`X-Api-Key`) meant for the configured server only.
 */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Link-local ranges (which hold cloud metadata endpoints) are never fetched, whatever a source or a
 * redirect names (04 §14.3); BlockList also matches IPv4-mapped IPv6 forms such as `::ffff:169.254.169.254`.
 */
const BLOCKED_ADDRESSES = new BlockList();
BLOCKED_ADDRESSES.addSubnet('169.254.0.0', 16, 'ipv4');
BLOCKED_ADDRESSES.addSubnet('fe80::', 10, 'ipv6');

export interface HttpProviderOptions {
  fetchContext: FetchContext;
  /** `CATALOG_HTTP_TIMEOUT_SECONDS`: the bound of one fetch unless the source sets `timeout`. */
  timeoutSeconds: number;
  resolveSecret: SecretResolver;
  /** Defaults to `catalog-server/<version>`. */
  userAgent?: string;
}

/** The checked properties of one http source (04 §14.3). */
export interface HttpSourceSettings {
  url: URL;
  /** The URL without query string or fragment: provenance `uri`, the document's `file`, error messages. */
  uri: string;
  /** Configured headers in order; values unresolved (strings or secret references). */
  headers: { name: string; value: unknown }[];
  authToken?: unknown;
  timeoutSeconds: number;
}

/**
 * Checks the properties of an http source without contacting the server (04 §6 `provider` layer)
 * and returns them normalized. Throws a ProviderError with the messages of 04 §14.3.
 */
export function resolveHttpSettings(properties: Record<string, unknown>, options: { timeoutSeconds: number }): HttpSourceSettings {
  const raw = optionalString(properties, 'url')?.trim();
  if (raw === undefined || raw === '') throw new ProviderError('url is required');
  const url = checkedUrl(raw);

  const headers: { name: string; value: unknown }[] = [];
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(optionalObject(properties, 'headers') ?? {})) {
    if (!HEADER_NAME.test(name)) throw new ProviderError(`header name "${name}" is not valid`);
    const lower = name.toLowerCase();
    if (REFUSED_HEADERS.has(lower)) throw new ProviderError(`header "${name}" is not allowed`);
    if (seen.has(lower)) throw new ProviderError(`header "${name}" is given more than once`);
    seen.add(lower);
    if (typeof value !== 'string' && !isSecretReference(value)) {
      throw new ProviderError(`properties.headers.${name} must be a string or a secret reference`);
    }
    headers.push({ name, value });
  }

  const authToken = properties.authToken ?? undefined;
  if (authToken !== undefined) {
    if (typeof authToken !== 'string' && !isSecretReference(authToken)) throw new ProviderError('properties.authToken must be a string or a secret reference');
    if (seen.has('authorization')) throw new ProviderError('authToken cannot be combined with an Authorization header');
  }

  let timeoutSeconds = options.timeoutSeconds;
  if (properties.timeout !== undefined && properties.timeout !== null) {
    const timeout = properties.timeout;
    if (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < MIN_TIMEOUT_SECONDS || timeout > MAX_TIMEOUT_SECONDS) {
      throw new ProviderError(`timeout must be an integer number of seconds between ${MIN_TIMEOUT_SECONDS} and ${MAX_TIMEOUT_SECONDS}`);
    }
    timeoutSeconds = timeout;
  }

  return { url, uri: withoutQuery(url), headers, ...(authToken !== undefined && { authToken }), timeoutSeconds };
}

function checkedUrl(raw: string): URL {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') throw new ProviderError(`URL scheme "${scheme}" is not allowed (allowed: https, http)`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderError('url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ProviderError('url is not a valid URL');
  if (url.username !== '' || url.password !== '') throw new ProviderError('url must not contain credentials; use headers with a secret reference');
  return url;
}

/** Query strings often carry signatures or keys, so they never reach provenance, status or logs. */
export function withoutQuery(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/**
 * The next URL of a redirect, checked like the first one: http(s) only, no credentials, and never
 * from `https` down to `http` (the document and any headers would travel in clear text).
 */
export function resolveRedirect(from: URL, location: string): URL {
  let next: URL;
  try {
    next = new URL(location, from);
  } catch {
    throw new ProviderError(`invalid redirect location from ${withoutQuery(from)}`);
  }
  if (next.protocol !== 'http:' && next.protocol !== 'https:') {
    throw new ProviderError(`redirect from ${withoutQuery(from)} to URL scheme "${next.protocol.slice(0, -1)}" is not allowed`);
  }
  if (from.protocol === 'https:' && next.protocol === 'http:') {
    throw new ProviderError(`redirect from https to http is not allowed (${withoutQuery(from)} to ${withoutQuery(next)})`);
  }
  if (next.username !== '' || next.password !== '') throw new ProviderError(`redirect from ${withoutQuery(from)} names a URL with credentials`);
  return next;
}

/** Whether an IP address is in a range no source may reach. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return BLOCKED_ADDRESSES.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The `http` provider (02 §2.7, 04 §14.3): one document fetched with a conditional GET. A `304`
 * is reported as unchanged; the ETag and Last-Modified of a fetch are its `state` for the next one.
 */
export function createHttpProvider(options: HttpProviderOptions): Provider {
  const userAgent = options.userAgent ?? `catalog-server/${SERVER_VERSION}`;
  return {
    type: 'http',
    fetch: async ({ source, location, previousState, force }) => {
      const settings = resolveHttpSettings(source.properties, options);
      const { headers, originBound } = await requestHeaders(settings, location, options.resolveSecret, userAgent);

      let conditional = false;
      if (!force && previousState !== undefined) {
        if (typeof previousState.etag === 'string') headers['If-None-Match'] = previousState.etag;
        if (typeof previousState.lastModified === 'string') headers['If-Modified-Since'] = previousState.lastModified;
        conditional = 'If-None-Match' in headers || 'If-Modified-Since' in headers;
      }

      const response = await download(settings, headers, originBound, options.fetchContext.maxBytes);
      if (response.kind === 'not-modified') {
        if (!conditional) throw new ProviderError(`HTTP 304 Not Modified from ${settings.uri} without a conditional request`);
        return { unchanged: true };
      }

      const etag = firstHeader(response.headers.etag);
      const lastModified = firstHeader(response.headers['last-modified']);
      const digest = sha256Hex(response.body);
      return {
        documents: [{
          file: settings.uri,
          text: response.body.toString('utf8'),
          digest,
          provenance: {
            type: 'http', uri: settings.uri, etag: etag ?? null, lastModified: lastModified ?? null,
            digest: `sha256:${digest}`, fetchedAt: new Date().toISOString(),
          },
        }],
        state: { ...(etag !== undefined && { etag }), ...(lastModified !== undefined && { lastModified }) },
      };
    },
  };
}

async function requestHeaders(
  settings: HttpSourceSettings,
  location: SourceLocation,
  resolveSecret: SecretResolver,
  userAgent: string,
): Promise<{ headers: Record<string, string>; originBound: Set<string> }> {
  const headers: Record<string, string> = {
    'User-Agent': userAgent,
    Accept: 'application/yaml, application/json;q=0.9, text/*;q=0.8, */*;q=0.5',
    'Accept-Encoding': 'gzip, deflate, br',
  };
  const originBound = new Set(CREDENTIAL_HEADERS);
  const set = (name: string, value: string) => {
    // A line break would let a value inject further headers; the value itself is never echoed.
    if (hasControlCharacter(value.replaceAll('\t', ' '))) throw new ProviderError(`header "${name}" has an invalid value`);
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    headers[name] = value;
  };
  for (const { name, value } of settings.headers) {
    set(name, await resolveSecret(value, { property: `headers.${name}`, namespace: location.namespace }));
    originBound.add(name.toLowerCase());
  }
  if (settings.authToken !== undefined) {
    const token = await resolveSecret(settings.authToken, { property: 'authToken', namespace: location.namespace });
    set('Authorization', `Bearer ${token}`);
  }
  return { headers, originBound };
}

type Download = { kind: 'not-modified' } | { kind: 'body'; headers: IncomingHttpHeaders; body: Buffer };

/** GET with redirects, all within one deadline covering every hop and the whole body. */
async function download(settings: HttpSourceSettings, initialHeaders: Record<string, string>, originBound: Set<string>, maxBytes: number): Promise<Download> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutSeconds * 1000);
  let current = settings.url;
  let headers = initialHeaders;
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await requestOnce(current, headers, controller.signal, maxBytes);
      if (response.kind !== 'redirect') return response;
      if (redirects === MAX_REDIRECTS) throw new ProviderError(`too many redirects from ${settings.uri}`);
      const next = resolveRedirect(current, response.location);
      if (next.origin !== current.origin) {
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => !originBound.has(name.toLowerCase())));
      }
      current = next;
    }
  } catch (error) {
    if (error instanceof ProviderError) throw error;
    if (controller.signal.aborted) throw new ProviderError(`HTTP request to ${settings.uri} timed out after ${settings.timeoutSeconds} s`, undefined, true);
    if (error instanceof BlockedDestinationError) throw new ProviderError(`destination address ${error.address} is not allowed`);
    const detail = (error as Error).message || (error as NodeJS.ErrnoException).code || 'error';
    throw new ProviderError(`HTTP request to ${withoutQuery(current)} failed: ${detail}`, undefined, true);
  } finally {
    clearTimeout(timer);
  }
}

export class BlockedDestinationError extends Error {
  constructor(readonly address: string) {
    super(`destination address ${address} is not allowed`);
  }
}

/**
 * DNS resolution that refuses blocked addresses. Checking the addresses the socket will actually
 * connect to (not a separate lookup beforehand) leaves no window for DNS rebinding.
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) {
      callback(error, '', 0);
      return;
    }
    const blocked = addresses.find((a) => isBlockedAddress(a.address));
    if (blocked !== undefined) {
      callback(Object.assign(new BlockedDestinationError(blocked.address), { code: 'EBLOCKED' }), '', 0);
    } else if (options.all === true) {
      (callback as unknown as (err: null, addresses: LookupAddress[]) => void)(null, addresses);
    } else {
      callback(null, addresses[0].address, addresses[0].family);
    }
  });
};

type Hop = Download | { kind: 'redirect'; location: string };

function requestOnce(url: URL, headers: Record<string, string>, signal: AbortSignal, maxBytes: number): Promise<Hop> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Literal addresses never go through `lookup`.
  if (isBlockedAddress(host)) return Promise.reject(new BlockedDestinationError(host));
  const uri = withoutQuery(url);
  return new Promise<Hop>((resolvePromise, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    // `agent: false`: a fresh connection per request, so nothing is shared between sources or hosts.
    const req = send(url, { method: 'GET', headers, signal, lookup: guardedLookup, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      const reason = res.statusMessage || STATUS_CODES[status] || '';
      const statusText = `HTTP ${status}${reason ? ` ${reason}` : ''} from ${uri}`;
      if (REDIRECT_STATUSES.has(status)) {
        res.destroy();
        const location = firstHeader(res.headers.location);
        if (location === undefined) reject(new ProviderError(`${statusText} without a Location header`));
        else resolvePromise({ kind: 'redirect', location });
        return;
      }
      if (status === 304) {
        res.destroy();
        resolvePromise({ kind: 'not-modified' });
        return;
      }
      if (status < 200 || status > 299) {
        // The body of an error response is not needed and may be large.
        res.destroy();
        reject(new ProviderError(statusText, undefined, status >= 500 || status === 429));
        return;
      }
      readBody(res, uri, maxBytes).then((body) => resolvePromise({ kind: 'body', headers: res.headers, body }), reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function readBody(res: IncomingMessage, uri: string, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new ProviderError(`response body from ${uri} exceeds maximum size of ${maxBytes} bytes`);
  let decoder: Transform | undefined;
  try {
    decoder = decoderFor(res.headers['content-encoding'], uri);
  } catch (error) {
    res.destroy();
    throw error;
  }
  if (decoder === undefined && Number(res.headers['content-length']) > maxBytes) {
    res.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let overflow: ProviderError | undefined;
  // Counted after decoding, so a small compressed body cannot expand past the limit.
  const collect = async (source: AsyncIterable<Buffer>) => {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > maxBytes) throw (overflow = tooLarge());
      chunks.push(chunk);
    }
  };
  try {
    if (decoder === undefined) await pipeline(res, collect);
    else await pipeline(res, decoder, collect);
  } catch (error) {
    // Tearing down the pipeline can surface the decoder's abort before the reason for it.
    throw overflow ?? error;
  }
  return Buffer.concat(chunks, size);
}

function decoderFor(contentEncoding: string | undefined, uri: string): Transform | undefined {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  switch (encoding) {
    case '':
    case 'identity':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      throw new ProviderError(`unsupported Content-Encoding "${encoding}" from ${uri}`);
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined || first === '' ? undefined : first;
}
