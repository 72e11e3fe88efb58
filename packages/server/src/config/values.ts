import { UsageError } from '../errors.js';

/**
 * Typed parsing of one flag or environment value (spec 01 §2.3). `name` is what the operator set —
 * the flag (`--listen`) or the variable (`CATALOG_LISTEN`) — so the exit-2 message points at it.
 */

export function invalidValue(name: string, value: string, expected: string): UsageError {
  return new UsageError(`invalid value "${value}" for ${name}: expected ${expected}`);
}

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

export function parseBoolean(name: string, value: string): boolean {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw invalidValue(name, value, 'a boolean (true, false, 1, 0, yes, no)');
}

/** Decimal digits only: signs, fractions, exponents and hex are refused rather than coerced. */
export function parseInteger(name: string, value: string, min: 0 | 1): number {
  const text = value.trim();
  const parsed = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min) {
    throw invalidValue(name, value, min === 1 ? 'a positive integer' : 'a non-negative integer');
  }
  return parsed;
}

export function parseEnum<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  const text = value.trim();
  const match = allowed.find((candidate) => candidate === text);
  if (match === undefined) throw invalidValue(name, value, `one of ${allowed.join(', ')}`);
  return match;
}

/** Comma list: entries trimmed, empty entries dropped, duplicates removed keeping the first. */
export function splitList(value: string, separator = ','): string[] {
  const entries = value
    .split(separator)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return [...new Set(entries)];
}

const DNS1123_LABEL = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** A Kubernetes namespace or tenancy namespace (05 §1.3). */
export function isDns1123Label(value: string): boolean {
  return value.length <= 63 && DNS1123_LABEL.test(value);
}

/** A Kubernetes object name (Lease, ConfigMap). */
export function isDns1123Subdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every((part) => DNS1123_LABEL.test(part));
}

export const DNS1123_LABEL_EXPECTED =
  'a DNS-1123 label (lowercase alphanumeric characters or hyphens, starting and ending with an alphanumeric character, at most 63 characters)';

export const DNS1123_SUBDOMAIN_EXPECTED =
  'a DNS-1123 subdomain (dot-separated DNS-1123 labels, at most 253 characters)';

/**
 * Absolute `http(s)` origins, normalized as browsers send them in `Origin` (lowercase scheme and host,
 * default port dropped), so consumers can compare with `===`.
 */
export function parseOriginList(name: string, value: string): string[] {
  const origins = splitList(value).map((entry) => {
    const origin = toOrigin(entry);
    if (origin === undefined) throw invalidValue(name, value, 'a comma-separated list of http(s) origins (scheme://host[:port])');
    return origin;
  });
  return [...new Set(origins)];
}

function toOrigin(entry: string): string | undefined {
  let url: URL;
  try {
    url = new URL(entry);
  } catch {
    return undefined;
  }
  const isOriginOnly =
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.username === '' &&
    url.password === '' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    !entry.endsWith('?') &&
    !entry.endsWith('#');
  return isOriginOnly ? url.origin : undefined;
}
