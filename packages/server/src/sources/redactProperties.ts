import { isSecretReference } from '../providers/secretRefs.js';

export const REDACTED = '***REDACTED***';

const SECRET_ENDINGS = ['password', 'passwd', 'passphrase', 'token', 'secret', 'credential', 'credentials', 'apikey', 'authorization', 'cookie', 'privatekey', 'accesskey'];
const KEY_PREFIXES = new Set(['api', 'private', 'access']);
const LOCATION_WORDS = new Set(['env', 'var', 'ref', 'name', 'path', 'file', 'url', 'uri', 'type', 'kind', 'mode', 'id']);

/** `authToken` → [auth, token]; `X-API-Key` → [x, api, key]; `APIKey` → [api, key]. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_.-]+/)
    .filter(Boolean)
    .map((word) => word.toLowerCase());
}

/** The sensitive-key rule of spec 04 §12 (word-based, so `tokenizer` and `maxTokens` stay visible). */
export function isSensitiveKey(key: string): boolean {
  const parts = words(key);
  if (parts.length === 0 || LOCATION_WORDS.has(parts[parts.length - 1])) return false;
  if (parts.some((word) => SECRET_ENDINGS.some((ending) => word.endsWith(ending)))) return true;
  return parts.some((word, i) => KEY_PREFIXES.has(word) && parts[i + 1] === 'key');
}

/**
 * A copy of source properties safe to show: under a sensitive key every string leaf becomes
 * `***REDACTED***` (secret references are shown, they are not secrets), at any depth; `content` is
 * never redacted.
 */
export function redactProperties(properties: Record<string, unknown>): Record<string, unknown> {
  return redactObject(properties, true);
}

function redactObject(value: Record<string, unknown>, topLevel: boolean): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) => {
      if (topLevel && key === 'content') return [key, child];
      return [key, isSensitiveKey(key) ? redactValue(child) : walk(child)];
    }),
  );
}

function walk(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(walk);
  if (typeof value === 'object' && value !== null) return redactObject(value as Record<string, unknown>, false);
  return value;
}

/** A sensitive key's value: every string leaf becomes `***REDACTED***`; secret references stay. */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return REDACTED;
  if (isSecretReference(value)) return value;
  if (Array.isArray(value)) return value.map(redactValue);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, redactValue(child)]));
  }
  return value;
}
