import type { CategoryId, ExpectedCaps, Identity, ResolvedOptions } from './run/RunContext.js';

/** Options of runConformance (spec 07 §4.1). */
export interface ConformanceOptions {
  serverUrl: string;
  plugin?: string;
  namespace?: string;
  otherNamespace?: string;
  identity?: Identity;
  deniedIdentity?: Identity;
  reviewerIdentity?: Identity;
  /** Category ids (`capabilities`, …) or letters (`A`–`J`), case-insensitive. */
  skip?: string[];
  mutate?: boolean;
  /** plugin → fixture file text. */
  fixtures?: Record<string, string>;
  expectedEntityKinds?: string[];
  expectedCaps?: ExpectedCaps;
  timeoutMs?: number;
  readyTimeoutMs?: number;
  jobTimeoutMs?: number;
  fetch?: typeof fetch;
}

export const CATEGORY_NAMES: Record<CategoryId, string> = {
  A: 'capabilities',
  B: 'list_get',
  C: 'sources',
  D: 'security',
  E: 'observability',
  F: 'openapi',
  G: 'tenancy',
  H: 'audit',
  I: 'jobs',
  J: 'governance',
};

/** Invalid options: runConformance rejects with it, the CLI exits 1. */
export class ConformanceOptionsError extends Error {
  override readonly name = 'ConformanceOptionsError';
}

/** Maps a category id or letter (case-insensitive) to its letter; undefined when unknown. */
export function categoryLetter(value: string): CategoryId | undefined {
  const v = value.trim();
  const upper = v.toUpperCase();
  if (upper.length === 1 && upper in CATEGORY_NAMES) return upper as CategoryId;
  const found = Object.entries(CATEGORY_NAMES).find(([, name]) => name === v.toLowerCase());
  return found?.[0] as CategoryId | undefined;
}

const IDENTITY_KEYS = new Set(['user', 'groups', 'token', 'role']);
const CAP_KEYS = new Set(['hasSources', 'hasActions', 'hasRefresh', 'hasUIHints']);

function validIdentity(field: string, value: unknown): Identity | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConformanceOptionsError(`${field} must be an object`);
  const identity = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(identity)) {
    if (!IDENTITY_KEYS.has(key)) throw new ConformanceOptionsError(`${field}.${key} is not an identity field (user, groups, token, role)`);
    if (v === undefined) continue;
    if (key === 'groups') {
      if (!Array.isArray(v) || v.some((g) => typeof g !== 'string' || g === '')) throw new ConformanceOptionsError(`${field}.groups must be an array of non-empty strings`);
    } else if (typeof v !== 'string' || v === '') throw new ConformanceOptionsError(`${field}.${key} must be a non-empty string`);
  }
  return identity as Identity;
}

function positiveMs(field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new ConformanceOptionsError(`${field} must be a positive number of milliseconds`);
  return value;
}

function optionalName(field: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new ConformanceOptionsError(`${field} must be a non-empty string`);
  return value;
}

function stringList(field: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) throw new ConformanceOptionsError(`${field} must be an array of non-empty strings`);
  return value as string[];
}

/** Applies the defaults of 07 §4.1 and rejects anything invalid. */
export function resolveOptions(options: ConformanceOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw new ConformanceOptionsError('options must be an object');
  let url: URL;
  try {
    url = new URL(options.serverUrl);
  } catch {
    throw new ConformanceOptionsError(`serverUrl must be an absolute http(s) URL, got ${JSON.stringify(options.serverUrl)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConformanceOptionsError(`serverUrl must be an absolute http(s) URL, got ${JSON.stringify(options.serverUrl)}`);
  const skip: CategoryId[] = [];
  for (const entry of stringList('skip', options.skip) ?? []) {
    const letter = categoryLetter(entry);
    if (!letter) throw new ConformanceOptionsError(`unknown category "${entry}" (use ${Object.values(CATEGORY_NAMES).join(', ')} or A-J)`);
    if (!skip.includes(letter)) skip.push(letter);
  }
  const fixtures: Record<string, string> = {};
  if (options.fixtures !== undefined) {
    if (typeof options.fixtures !== 'object' || options.fixtures === null || Array.isArray(options.fixtures)) throw new ConformanceOptionsError('fixtures must map plugin names to file text');
    for (const [plugin, text] of Object.entries(options.fixtures)) {
      if (typeof text !== 'string' || text.trim() === '') throw new ConformanceOptionsError(`fixtures.${plugin} must be non-empty text`);
      fixtures[plugin] = text;
    }
  }
  let expectedCaps: ExpectedCaps | undefined;
  if (options.expectedCaps !== undefined) {
    if (typeof options.expectedCaps !== 'object' || options.expectedCaps === null) throw new ConformanceOptionsError('expectedCaps must be an object');
    for (const [key, v] of Object.entries(options.expectedCaps)) {
      if (!CAP_KEYS.has(key)) throw new ConformanceOptionsError(`expectedCaps.${key} is unknown (hasSources, hasActions, hasRefresh, hasUIHints)`);
      if (v !== undefined && typeof v !== 'boolean') throw new ConformanceOptionsError(`expectedCaps.${key} must be a boolean`);
    }
    expectedCaps = options.expectedCaps;
  }
  if (options.mutate !== undefined && typeof options.mutate !== 'boolean') throw new ConformanceOptionsError('mutate must be a boolean');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new ConformanceOptionsError('fetch must be a function');
  const namespace = optionalName('namespace', options.namespace);
  const otherNamespace = optionalName('otherNamespace', options.otherNamespace);
  if (namespace !== undefined && namespace === otherNamespace) throw new ConformanceOptionsError('otherNamespace must differ from namespace');
  return {
    serverUrl: url.href.replace(/\/+$/, ''),
    plugin: optionalName('plugin', options.plugin),
    namespace,
    otherNamespace,
    identity: validIdentity('identity', options.identity),
    deniedIdentity: validIdentity('deniedIdentity', options.deniedIdentity),
    reviewerIdentity: validIdentity('reviewerIdentity', options.reviewerIdentity),
    skip,
    mutate: options.mutate ?? false,
    fixtures,
    expectedEntityKinds: stringList('expectedEntityKinds', options.expectedEntityKinds),
    expectedCaps,
    timeoutMs: positiveMs('timeoutMs', options.timeoutMs, 10_000),
    readyTimeoutMs: positiveMs('readyTimeoutMs', options.readyTimeoutMs, 60_000),
    jobTimeoutMs: positiveMs('jobTimeoutMs', options.jobTimeoutMs, 60_000),
    fetch: options.fetch ?? globalThis.fetch,
  };
}
