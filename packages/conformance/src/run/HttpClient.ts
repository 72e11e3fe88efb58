import type { HttpResult, Identity, MutationRecord, RequestSpec, ResolvedOptions } from './RunContext.js';

/** One response seen during the run, validated by category F against the server's OpenAPI document. */
export interface RecordedResponse {
  method: string;
  /** Path without query string, as sent (percent-encoded). */
  path: string;
  status: number;
  contentType: string;
  body: unknown;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function identityHeaders(identity: Identity | undefined, headers: Record<string, string>): void {
  if (!identity) return;
  if (identity.user) headers['X-Remote-User'] = identity.user;
  if (identity.groups?.length) headers['X-Remote-Group'] = identity.groups.join(',');
  if (identity.token) headers.Authorization = `Bearer ${identity.token}`;
  if (identity.role) headers['X-User-Role'] = identity.role;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The harness's only way to the server: adds namespace and identity headers, tags mutating requests
 * (X-Request-Id conformance-<runId>-<n>, X-Remote-User when no user or token is configured, 07 §4.2
 * item 8) and records every response.
 */
export class HttpClient {
  readonly responses: RecordedResponse[] = [];
  readonly mutations: MutationRecord[] = [];
  private sequence = 0;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly runId: string,
    private readonly defaultNamespace: () => string | null,
  ) {}

  async request(spec: RequestSpec): Promise<HttpResult> {
    const method = (spec.method ?? 'GET').toUpperCase();
    const url = new URL(spec.path, `${this.options.serverUrl}/`);
    for (const [key, value] of Object.entries(spec.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const identity = spec.identity === 'anonymous' ? undefined : (spec.identity ?? this.options.identity);
    const headers: Record<string, string> = { Accept: 'application/json' };
    identityHeaders(identity, headers);
    const namespace = spec.namespace === undefined ? this.defaultNamespace() : spec.namespace;
    if (namespace !== null) headers['X-Namespace'] = namespace;
    const mutating = spec.mutating ?? WRITE_METHODS.has(method);
    let requestId: string | undefined;
    if (mutating) {
      requestId = `conformance-${this.runId}-${++this.sequence}`;
      headers['X-Request-Id'] = requestId;
      if (spec.identity !== 'anonymous' && !identity?.user && !identity?.token) headers['X-Remote-User'] = `conformance-${this.runId}`;
    }
    let body: string | undefined;
    if (spec.rawBody !== undefined) body = spec.rawBody;
    else if (spec.body !== undefined) body = JSON.stringify(spec.body);
    if (body !== undefined) headers['Content-Type'] = spec.contentType ?? 'application/json';
    Object.assign(headers, spec.headers);
    if (spec.headers?.['X-Request-Id']) requestId = spec.headers['X-Request-Id'];

    const response = await this.options.fetch(url, { method, headers, body, signal: AbortSignal.timeout(this.options.timeoutMs), redirect: 'manual' });
    const text = await response.text();
    const parsed = parseBody(text);
    const result: HttpResult = { status: response.status, headers: response.headers, text, body: parsed, requestId: response.headers.get('x-request-id') ?? requestId };
    this.responses.push({ method, path: url.pathname, status: response.status, contentType: response.headers.get('content-type') ?? '', body: parsed });
    if (mutating && requestId !== undefined) {
      const actor = identity?.user ?? (identity?.token ? '' : spec.identity === 'anonymous' ? 'anonymous' : `conformance-${this.runId}`);
      this.mutations.push({ requestId, method, path: url.pathname + url.search, status: response.status, actor, namespace });
    }
    return result;
  }
}
