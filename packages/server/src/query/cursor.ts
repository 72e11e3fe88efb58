import { createHash } from 'node:crypto';
import { BadRequestError } from '../errors.js';

/**
 * Opaque page tokens (spec 01 §10.4): base64url JSON `{"v":1,"k":[…],"h":"…"}` with the sort key of
 * the last item (tie-breakers included) and a hash of the query the token was issued for.
 */

const VERSION = 1;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export const INVALID_PAGE_TOKEN = 'invalid page token';

/** Hash of everything that defines a list query; a token only continues the query it came from. */
export function queryHash(query: unknown): string {
  return createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 22);
}

export function encodeCursor(keys: unknown[], hash: string): string {
  return Buffer.from(JSON.stringify({ v: VERSION, k: keys, h: hash })).toString('base64url');
}

/** The raw keys of a token issued for `hash`; their shape is checked by the ordering that reads them. */
export function decodeCursor(token: string, hash: string): unknown[] {
  if (!BASE64URL.test(token)) throw new BadRequestError(INVALID_PAGE_TOKEN);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new BadRequestError(INVALID_PAGE_TOKEN);
  }
  const cursor = decoded as { v?: unknown; k?: unknown; h?: unknown } | null;
  if (typeof cursor !== 'object' || cursor === null || cursor.v !== VERSION || !Array.isArray(cursor.k) || typeof cursor.h !== 'string') {
    throw new BadRequestError(INVALID_PAGE_TOKEN);
  }
  if (cursor.h !== hash) throw new BadRequestError(`${INVALID_PAGE_TOKEN}: it was issued for a different query`);
  return cursor.k;
}
