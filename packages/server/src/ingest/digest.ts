import { createHash } from 'node:crypto';

/**
 * Canonical JSON (spec 01 §9, 06 §7.2): object keys sorted recursively by UTF-16 code units, arrays
 * in order, no insignificant whitespace. Everything else follows `JSON.stringify`, so a document
 * read back from JSONB canonicalizes to the same text as the one that was written.
 *
 * Written out directly rather than through a `JSON.stringify` replacer: a replacer has to build a
 * sorted copy of every object, which made digests the largest cost of a refresh, and the copy's
 * property order puts integer-like keys first ("9" before "10"), which is not code-unit order.
 */
export function canonicalJson(value: unknown): string {
  const text = write(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

/** The JSON text of `value`, or undefined where `JSON.stringify` omits it (undefined, functions, symbols). */
function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((item) => write(item) ?? 'null').join(',')}]`;
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return write((value as { toJSON: () => unknown }).toJSON());
      if (value instanceof Number || value instanceof String || value instanceof Boolean) return JSON.stringify(value);
      return writeObject(value as Record<string, unknown>);
    case 'bigint':
      // The error JSON.stringify gives.
      return JSON.stringify(value);
    default:
      return undefined;
  }
}

function writeObject(object: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const key of Object.keys(object).sort()) {
    const text = write(object[key]);
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** SHA-256 as 64 lowercase hex characters; strings are hashed as UTF-8. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The entity content digest: SHA-256 of the canonical JSON of the stored document (01 §9). */
export function contentDigest(doc: unknown): string {
  return sha256Hex(canonicalJson(doc));
}
