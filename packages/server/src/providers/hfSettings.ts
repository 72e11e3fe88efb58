import { ProviderError } from './ProviderError.js';
import { isSecretReference } from './secretRefs.js';
import { hasControlCharacter, parseDurationSeconds } from './sourceProperties.js';

export const DEFAULT_HF_URL = 'https://huggingface.co';
export const DEFAULT_API_KEY_ENV_VAR = 'HF_API_KEY';

const KNOWN_PROPERTIES = new Set([
  'url', 'apiKey', 'apiKeyEnvVar', 'allowedOrganization', 'syncInterval', 'maxModels', 'concurrency',
  'maxRequestsPerMinute', 'requestTimeout', 'maxRetries', 'excludedModels',
]);
const ENV_VAR_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** An organization (user or org) name as the hub allows it: no separators, no wildcards. */
const ORGANIZATION = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_CONCURRENCY = 8;
/** Beyond one source refresh's default bound (04 §15) a single request makes no sense. */
const MAX_REQUEST_TIMEOUT_SECONDS = 300;
const MAX_RETRIES = 10;

/** A validation warning of the `security_warnings`/`provider` layers (04 §6): the source still works. */
export interface HfSettingsWarning {
  field: string;
  message: string;
}

/** The checked properties of one `hf` source (03 §14.1), with the effective include/exclude patterns. */
export interface HfSettings {
  /** Base URL without trailing `/`. */
  baseUrl: string;
  origin: string;
  /** Unresolved: a string or a secret reference. */
  apiKey?: unknown;
  apiKeyEnvVar: string;
  allowedOrganization?: string;
  syncIntervalSeconds: number;
  /** 0 = no cap. */
  maxModels: number;
  concurrency: number;
  /** 0 = no limit. */
  maxRequestsPerMinute: number;
  requestTimeoutSeconds: number;
  maxRetries: number;
  /** What is listed and fetched: the source's includes, rewritten for `allowedOrganization`. */
  includedItems: string[];
  /** The source's excludes plus the legacy `properties.excludedModels`, rewritten for `allowedOrganization`. */
  excludedItems: string[];
  /** The include patterns split into what can be listed and exact ids (§14.4). */
  patterns: HfPattern[];
  warnings: HfSettingsWarning[];
}

export type HfPattern =
  | { kind: 'exact'; pattern: string; id: string }
  /** `org/*` (prefix `''`) or `org/prefix*`. */
  | { kind: 'list'; pattern: string; organization: string; prefix: string };

/**
 * Checks the properties and patterns of an `hf` source without contacting the hub (04 §6 `provider`
 * layer, 03 §14.1); throws a ProviderError naming the first problem.
 */
export function resolveHfSettings(
  properties: Record<string, unknown>,
  source: { includedItems: readonly string[]; excludedItems: readonly string[] },
): HfSettings {
  for (const key of Object.keys(properties)) {
    if (!KNOWN_PROPERTIES.has(key)) throw new ProviderError(`unknown property "${key}" for source type hf; known: ${[...KNOWN_PROPERTIES].join(', ')}`);
  }
  const warnings: HfSettingsWarning[] = [];
  const { baseUrl, origin } = checkedBaseUrl(properties.url);

  const apiKey = properties.apiKey ?? undefined;
  if (apiKey !== undefined) {
    if (typeof apiKey === 'string') {
      warnings.push({ field: 'properties.apiKey', message: 'apiKey is a plain string; use a secret reference ({env}, {file} or a Kubernetes Secret)' });
    } else if (!isSecretReference(apiKey)) {
      throw new ProviderError('properties.apiKey must be a string or a secret reference');
    }
  }
  const apiKeyEnvVar = properties.apiKeyEnvVar ?? DEFAULT_API_KEY_ENV_VAR;
  if (typeof apiKeyEnvVar !== 'string' || !ENV_VAR_NAME.test(apiKeyEnvVar)) {
    throw new ProviderError('apiKeyEnvVar must be an environment variable name matching ^[A-Z_][A-Z0-9_]*$');
  }

  let allowedOrganization: string | undefined;
  if (properties.allowedOrganization !== undefined && properties.allowedOrganization !== null) {
    const org = properties.allowedOrganization;
    if (typeof org !== 'string' || !ORGANIZATION.test(org)) {
      throw new ProviderError('allowedOrganization must be an organization name (letters, digits, ".", "_", "-"; no "/" or "*")');
    }
    allowedOrganization = org;
  }

  const syncIntervalSeconds = duration(properties.syncInterval, 'syncInterval', 24 * 3600, 1, undefined);
  const requestTimeoutSeconds = duration(properties.requestTimeout, 'requestTimeout', 30, 1, MAX_REQUEST_TIMEOUT_SECONDS);
  const maxModels = integer(properties.maxModels, 'maxModels', 500, 0, undefined);
  const concurrency = integer(properties.concurrency, 'concurrency', 2, 1, MAX_CONCURRENCY);
  const maxRequestsPerMinute = integer(properties.maxRequestsPerMinute, 'maxRequestsPerMinute', 300, 0, undefined);
  const maxRetries = integer(properties.maxRetries, 'maxRetries', 5, 0, MAX_RETRIES);

  const legacyExcludes = properties.excludedModels ?? [];
  if (!Array.isArray(legacyExcludes) || !legacyExcludes.every((p) => typeof p === 'string' && p.trim() !== '')) {
    throw new ProviderError('properties.excludedModels must be a list of non-empty strings');
  }
  const scope = (pattern: string) => scopedPattern(pattern.trim(), allowedOrganization);
  let includedItems = source.includedItems.map(scope);
  if (includedItems.length === 0 && allowedOrganization !== undefined) includedItems = [`${allowedOrganization}/*`];
  const excludedItems = [...source.excludedItems, ...(legacyExcludes as string[])].map(scope);
  if (includedItems.length === 0) {
    throw new ProviderError('an hf source needs at least one include pattern (includedItems, e.g. "my-org/*") or allowedOrganization');
  }
  const patterns = includedItems.map(parseIncludePattern);

  return {
    baseUrl, origin, ...(apiKey !== undefined && { apiKey }), apiKeyEnvVar, ...(allowedOrganization !== undefined && { allowedOrganization }),
    syncIntervalSeconds, maxModels, concurrency, maxRequestsPerMinute, requestTimeoutSeconds, maxRetries,
    includedItems, excludedItems, patterns, warnings,
  };
}

function checkedBaseUrl(value: unknown): { baseUrl: string; origin: string } {
  if (value === undefined || value === null) return { baseUrl: DEFAULT_HF_URL, origin: DEFAULT_HF_URL };
  if (typeof value !== 'string') throw new ProviderError('properties.url must be a string');
  const raw = value.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ProviderError('url is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ProviderError(`URL scheme "${url.protocol.slice(0, -1)}" is not allowed (allowed: https, http)`);
  if (url.username !== '' || url.password !== '') throw new ProviderError('url must not contain credentials; use apiKey with a secret reference');
  if (url.search !== '' || url.hash !== '' || hasControlCharacter(raw)) throw new ProviderError('url must be a base URL without query or fragment');
  return { baseUrl: `${url.origin}${url.pathname}`.replace(/\/+$/, ''), origin: url.origin };
}

function duration(value: unknown, key: string, fallback: number, min: number, max: number | undefined): number {
  if (value === undefined || value === null) return fallback;
  const seconds = parseDurationSeconds(value);
  if (seconds === undefined || seconds < min || (max !== undefined && seconds > max)) {
    const range = max === undefined ? `at least ${min}s` : `between ${min}s and ${max}s`;
    throw new ProviderError(`invalid duration "${String(value)}" for ${key}: must be ${range} (e.g. 90s, 30m, 24h)`);
  }
  return seconds;
}

function integer(value: unknown, key: string, fallback: number, min: number, max: number | undefined): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || (max !== undefined && value > max)) {
    throw new ProviderError(`${key} must be an integer ${max === undefined ? `>= ${min}` : `between ${min} and ${max}`}`);
  }
  return value;
}

/**
 * `allowedOrganization` confines every pattern to the organization (03 §14.1). A pattern that already
 * names it is left alone, so writing `org/model` with `allowedOrganization: org` does not become `org/org/model`.
 */
function scopedPattern(pattern: string, organization: string | undefined): string {
  if (organization === undefined) return pattern;
  return pattern.toLowerCase().startsWith(`${organization.toLowerCase()}/`) ? pattern : `${organization}/${pattern}`;
}

/** 03 §14.4: what an include pattern makes the provider fetch. */
export function parseIncludePattern(pattern: string): HfPattern {
  const unsupported = () => new ProviderError(`wildcard pattern "${pattern}" is not supported - Hugging Face requires a specific organization`);
  const slash = pattern.indexOf('/');
  if (slash === -1) {
    if (pattern.includes('*')) throw unsupported();
    return { kind: 'exact', pattern, id: pattern };
  }
  const organization = pattern.slice(0, slash);
  const rest = pattern.slice(slash + 1);
  if (organization === '' || organization.includes('*') || rest === '') throw unsupported();
  if (!rest.includes('*')) return { kind: 'exact', pattern, id: pattern };
  const prefix = rest.slice(0, -1);
  if (!rest.endsWith('*') || prefix.includes('*') || prefix.includes('/')) {
    throw new ProviderError(`wildcard pattern "${pattern}" is not supported - only "<org>/*" and "<org>/<prefix>*" can be listed`);
  }
  return { kind: 'list', pattern, organization, prefix };
}
