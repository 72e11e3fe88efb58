import { createHash } from 'node:crypto';

/**
 * Canonical JSON (spec 01 §9, 06 §7.2): object keys sorted recursively by UTF-16 code units, arrays
 * in order, no insignificant whitespace. Everything else follows `JSON.stringify`, so a document
 * read back from JSONB canonicalizes to the same text as the one that was written.
 */
export function canonicalJson(value: unknown): string {
  const text = JSON.stringify(value, sortKeysReplacer);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

function sortKeysReplacer(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  // Object.fromEntries defines own properties, so a "__proto__" key stays data instead of becoming the prototype.
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** SHA-256 as 64 lowercase hex characters; strings are hashed as UTF-8. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The entity content digest: SHA-256 of the canonical JSON of the stored document (01 §9). */
export function contentDigest(doc: unknown): string {
  return sha256Hex(canonicalJson(doc));
}
