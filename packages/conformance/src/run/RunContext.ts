// The shape every check category codes against (contract shared by the category modules).
// Names here are stable: extend, never rename.

import type { ConformanceOptions } from '../options.js';

export type CategoryId = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G' | 'H' | 'I' | 'J';

export interface Identity {
  user?: string;
  groups?: string[];
  token?: string;
  role?: string;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  body: unknown;
  requestId?: string;
}

export interface RequestSpec {
  method?: string;
  /** May contain a query string. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON-encoded unless rawBody is given. */
  body?: unknown;
  rawBody?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Default: options.identity. */
  identity?: Identity | 'anonymous';
  /** Default: ctx.namespace; null = send none. */
  namespace?: string | null;
  /** Default: method is POST/PUT/PATCH/DELETE. */
  mutating?: boolean;
}

export interface MutationRecord {
  requestId: string;
  method: string;
  path: string;
  status: number;
  actor: string;
  namespace: string | null;
}

export interface CheckHandle {
  skip(message: string): never;
  fail(message: string): never;
}

export interface Category {
  /** Records one check exactly once; a thrown error or fail() → failed; skip() → skipped; a returned string → passed message. */
  check(name: string, fn: (t: CheckHandle) => Promise<string | void> | string | void): Promise<void>;
  skipAll(message: string, names: string[]): void;
}

export interface ExpectedCaps {
  hasSources?: boolean;
  hasActions?: boolean;
  hasRefresh?: boolean;
  hasUIHints?: boolean;
}

/** Options after defaults and validation (see options.ts): the same fields, the defaulted ones required. */
export interface ResolvedOptions extends Omit<ConformanceOptions, 'skip' | 'mutate' | 'fixtures' | 'timeoutMs' | 'readyTimeoutMs' | 'jobTimeoutMs' | 'fetch'> {
  /** Category letters to skip. */
  skip: CategoryId[];
  mutate: boolean;
  /** plugin → fixture file text. */
  fixtures: Record<string, string>;
  timeoutMs: number;
  readyTimeoutMs: number;
  jobTimeoutMs: number;
  fetch: typeof fetch;
}

/** One item of GET /api/plugins (only the fields the harness reads are typed). */
export interface PluginSummary {
  name: string;
  basePath: string;
  version?: string;
  description?: string;
  capabilitiesV2?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface RunContext {
  readonly options: ResolvedOptions;
  /** 8 hex digits. */
  readonly runId: string;
  readonly mode: 'single' | 'namespace';
  /** Sent as X-Namespace. */
  readonly namespace: string | null;
  readonly otherNamespace: string | null;
  /** /api/plugins items, filtered by --plugin. */
  readonly plugins: PluginSummary[];
  category(id: CategoryId, name: string, plugin?: string): Category;
  /**
   * Records every response for F; mutating requests get X-Request-Id conformance-<runId>-<n> and
   * (without user/token) X-Remote-User conformance-<runId>, and are appended to mutations.
   */
  request(spec: RequestSpec): Promise<HttpResult>;
  readonly mutations: MutationRecord[];
  /** Fixture source document for a plugin (4.2 item 7), renamed to `idSuffix` ('' → conformance-<runId>, '-j' → conformance-<runId>-j). null when none. */
  fixture(plugin: string, idSuffix?: string): Promise<{ source: Record<string, unknown>; entityName: string; kind: string } | null>;
  /** Waits until pred() is true or timeout; returns whether it became true. */
  waitFor(pred: () => Promise<boolean>, timeoutMs?: number): Promise<boolean>;
  /** Shared facts between categories (e.g. job ids created by I, for G's isolation checks). */
  readonly shared: Map<string, unknown>;
}

export type CategoryRunner = (ctx: RunContext) => Promise<void>;
