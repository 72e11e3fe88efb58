import { Agent, request as httpRequest, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { BlockedDestinationError, guardedLookup, isBlockedAddress, MAX_REDIRECTS, withoutQuery } from './httpProvider.js';

/** Retry-After values beyond this end the request instead of stalling the source (03 §14.6). */
export const MAX_RETRY_AFTER_SECONDS = 300;
const MAX_BACKOFF_MS = 60_000;
const RETRYABLE_STATUSES = new Set([429, 500, 502, 503, 504]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export interface HfClientOptions {
  origin: string;
  /** Sent as a Bearer token to `origin` only; never part of a message. */
  token?: string;
  userAgent: string;
  concurrency: number;
  /** 0 = unlimited. */
  maxRequestsPerMinute: number;
  requestTimeoutSeconds: number;
  maxRetries: number;
  /** Aborts queued, waiting and running requests (refresh timeout, shutdown). */
  signal?: AbortSignal;
  /** Jitter source, `[0, 1)`; tests make backoff deterministic with it. */
  random?: () => number;
}

export interface HfResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * A request that failed for good. `status` is the final HTTP status (absent for network errors and
 * timeouts); `retryable` says whether the failure was transient, i.e. retries were exhausted.
 */
export class HfRequestError extends Error {
  constructor(message: string, readonly retryable: boolean, readonly status?: number) {
    super(message);
    this.name = 'HfRequestError';
  }
}

/**
 * The HTTP client of one `hf` source refresh (03 §14.3, §14.6): every request goes through one queue
 * bounded by `concurrency` and a token bucket of `maxRequestsPerMinute`; a 429 pauses the whole queue
 * until its retry time; retryable failures back off with full jitter. Responses are bounded in size
 * and time. Redirects are followed within the configured origin only, so the token never leaves it.
 */
export class HfClient {
  private active = 0;
  private readonly waiters: (() => void)[] = [];
  private pausedUntil = 0;
  private tokens: number;
  private refilledAt = Date.now();
  private readonly capacity: number;
  private readonly agent: Agent;
  private readonly random: () => number;

  constructor(private readonly options: HfClientOptions) {
    // One second's worth of requests may go out at once; beyond that the rate is smooth.
    this.capacity = Math.max(1, Math.ceil(options.maxRequestsPerMinute / 60));
    this.tokens = this.capacity;
    this.random = options.random ?? Math.random;
    const agentOptions = { keepAlive: true, maxSockets: options.concurrency, lookup: guardedLookup };
    this.agent = options.origin.startsWith('https:') ? new HttpsAgent(agentOptions) : new Agent(agentOptions);
    options.signal?.addEventListener('abort', () => this.waiters.splice(0).forEach((wake) => wake()), { once: true });
  }

  close(): void {
    this.agent.destroy();
  }

  /**
   * GET with retries. Resolves with a 2xx response; rejects with an HfRequestError otherwise, or with
   * the abort reason when the signal fires.
   */
  async get(url: URL, limits: { maxBytes: number }): Promise<HfResponse> {
    for (let retry = 1; ; retry++) {
      await this.acquire();
      let attempt: Attempt;
      try {
        attempt = await this.once(url, limits);
      } finally {
        this.release();
      }
      if (attempt.ok) return attempt.response;
      const { failure } = attempt;
      if (!failure.retryable) throw failure;
      if (retry > this.options.maxRetries) {
        throw new HfRequestError(`${failure.message} (after ${this.options.maxRetries} retries)`, true, failure.status);
      }
      const hinted = failure.status === 429 ? retryAfterMs(failure.headers ?? {}) : undefined;
      if (hinted !== undefined && hinted > MAX_RETRY_AFTER_SECONDS * 1000) {
        throw new HfRequestError(`${failure.message} (Retry-After of ${Math.ceil(hinted / 1000)} s exceeds ${MAX_RETRY_AFTER_SECONDS} s)`, true, 429);
      }
      const delay = hinted ?? this.random() * Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (retry - 1));
      if (failure.status === 429) {
        // The hub limits the token or address, not the one URL: every request of the source waits.
        this.pausedUntil = Math.max(this.pausedUntil, Date.now() + delay);
      } else {
        await sleep(delay, this.options.signal);
      }
    }
  }

  private async acquire(): Promise<void> {
    for (;;) {
      this.options.signal?.throwIfAborted();
      if (this.active >= this.options.concurrency) {
        await new Promise<void>((wake) => this.waiters.push(wake));
        continue;
      }
      const now = Date.now();
      if (now < this.pausedUntil) {
        await sleep(this.pausedUntil - now, this.options.signal);
        continue;
      }
      const wait = this.takeToken(now);
      if (wait > 0) {
        await sleep(wait, this.options.signal);
        continue;
      }
      this.active++;
      return;
    }
  }

  private release(): void {
    this.active--;
    this.waiters.shift()?.();
  }

  /** Takes a token and returns 0, or returns how long to wait for the next one. */
  private takeToken(now: number): number {
    const perMinute = this.options.maxRequestsPerMinute;
    if (perMinute === 0) return 0;
    const perMs = perMinute / 60_000;
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.refilledAt) * perMs);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / perMs);
  }

  private async once(url: URL, limits: { maxBytes: number }): Promise<Attempt> {
    const timeoutMs = this.options.requestTimeoutSeconds * 1000;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const outer = this.options.signal;
    const forward = () => controller.abort();
    outer?.addEventListener('abort', forward, { once: true });
    let current = url;
    try {
      for (let redirects = 0; ; redirects++) {
        const hop = await this.hop(current, limits, controller.signal);
        if (hop.kind !== 'redirect') return hop.attempt;
        if (redirects === MAX_REDIRECTS) return final(`too many redirects from ${withoutQuery(url)}`);
        let next: URL;
        try {
          next = new URL(hop.location, current);
        } catch {
          return final(`invalid redirect location from ${withoutQuery(current)}`);
        }
        if (next.origin !== this.options.origin) return final(`redirect from ${withoutQuery(current)} leaves ${this.options.origin}`);
        current = next;
      }
    } catch (error) {
      outer?.throwIfAborted();
      const where = withoutQuery(current);
      if (controller.signal.aborted) return retryable(`request to ${where} timed out after ${this.options.requestTimeoutSeconds} s`);
      if (error instanceof HfRequestError) return { ok: false, failure: error };
      if (error instanceof BlockedDestinationError) return final(error.message);
      const detail = (error as NodeJS.ErrnoException).code ?? ((error as Error).message || 'error');
      return retryable(`request to ${where} failed: ${detail}`);
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', forward);
    }
  }

  private hop(url: URL, limits: { maxBytes: number }, signal: AbortSignal): Promise<Hop> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isBlockedAddress(host)) return Promise.reject(new BlockedDestinationError(host));
    const headers: Record<string, string> = {
      'User-Agent': this.options.userAgent,
      Accept: 'application/json',
    };
    if (this.options.token !== undefined) headers.Authorization = `Bearer ${this.options.token}`;
    const where = withoutQuery(url);
    return new Promise<Hop>((resolvePromise, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = send(url, { method: 'GET', headers, signal, agent: this.agent }, (res) => {
        const status = res.statusCode ?? 0;
        const statusText = `HTTP ${status} ${res.statusMessage || STATUS_CODES[status] || ''}`.trimEnd() + ` from ${where}`;
        if (REDIRECT_STATUSES.has(status)) {
          res.resume();
          const location = res.headers.location;
          if (location === undefined || location === '') resolvePromise({ kind: 'done', attempt: final(`${statusText} without a Location header`, status) });
          else resolvePromise({ kind: 'redirect', location });
          return;
        }
        if (status < 200 || status > 299) {
          // Error bodies are not needed; draining keeps the connection reusable.
          res.resume();
          const failure = new HfRequestError(statusText, RETRYABLE_STATUSES.has(status), status);
          resolvePromise({ kind: 'done', attempt: { ok: false, failure: Object.assign(failure, { headers: res.headers }) } });
          return;
        }
        readLimited(res, where, limits.maxBytes).then(
          (body) => resolvePromise({ kind: 'done', attempt: { ok: true, response: { status, headers: res.headers, body } } }),
          reject,
        );
      });
      req.on('error', reject);
      req.end();
    });
  }
}

type FailureWithHeaders = HfRequestError & { headers?: IncomingHttpHeaders };
type Attempt = { ok: true; response: HfResponse } | { ok: false; failure: FailureWithHeaders };
type Hop = { kind: 'done'; attempt: Attempt } | { kind: 'redirect'; location: string };

function final(message: string, status?: number): Attempt {
  return { ok: false, failure: new HfRequestError(message, false, status) };
}

function retryable(message: string): Attempt {
  return { ok: false, failure: new HfRequestError(message, true) };
}

async function readLimited(res: IncomingMessage, where: string, maxBytes: number): Promise<Buffer> {
  const tooLarge = () => new HfRequestError(`response body from ${where} exceeds maximum size of ${maxBytes} bytes`, false);
  if (Number(res.headers['content-length']) > maxBytes) {
    res.destroy();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      res.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/**
 * The wait a 429 asks for: `Retry-After` (seconds or an HTTP date), else the `t=` seconds of an IETF
 * `RateLimit` header (`"default";r=0;t=30` or `limit=…, remaining=…, reset=…`'s `t`); `undefined` when neither is usable.
 */
export function retryAfterMs(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const retryAfter = headers['retry-after'];
  if (typeof retryAfter === 'string' && retryAfter.trim() !== '') {
    const text = retryAfter.trim();
    if (/^\d+$/.test(text)) return Number(text) * 1000;
    const date = Date.parse(text);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const rateLimit = headers.ratelimit;
  if (typeof rateLimit === 'string') {
    const match = /(?:^|[;,\s])t=(\d+)/.exec(rateLimit);
    if (match !== null) return Number(match[1]) * 1000;
  }
  return undefined;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolvePromise();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The `rel="next"` target of a `Link` header (RFC 8288), resolved against the URL of the response it
 * came with; `undefined` when there is none.
 */
export function nextLink(header: string | string[] | undefined, base: URL): URL | undefined {
  const text = Array.isArray(header) ? header.join(', ') : header;
  if (text === undefined) return undefined;
  const linkPattern = /<([^>]*)>\s*((?:;\s*[^;,]+)*)/g;
  for (const match of text.matchAll(linkPattern)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2]);
    const values = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (!values.includes('next')) continue;
    try {
      return new URL(match[1], base);
    } catch {
      return undefined;
    }
  }
  return undefined;
}
