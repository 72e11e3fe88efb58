import { Type } from '@sinclair/typebox';
import { BadRequestError } from '../errors.js';
import { decodeCursor, encodeCursor, INVALID_PAGE_TOKEN, queryHash } from '../query/cursor.js';
import { parseListParams, type ListRequest } from '../query/listParams.js';

/** Page size of every legacy list (spec 03 §2). */
export const LEGACY_PAGE_SIZE = 10;

/** A query parameter that may repeat: the schema accepts one value or many. */
export const MultiValue = Type.Union([Type.String(), Type.Array(Type.String())]);

type Query = Record<string, unknown>;

/** Comma-separated and repeated values, merged; empty items ignored (spec 03 §2). */
export function multiValues(query: Query, ...names: string[]): string[] {
  return names.flatMap((name) => {
    const value = query[name];
    const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
    return list.flatMap((item) => String(item).split(',')).map((item) => item.trim()).filter((item) => item !== '');
  });
}

/** A single-valued parameter (a repeated one is a 400, not a silent pick). */
export function singleValue(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw new BadRequestError(`${name} must be given once`);
  return value === undefined || value === '' ? undefined : String(value);
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

export function parseBoolean(query: Query, name: string): boolean {
  const value = singleValue(query, name);
  if (value === undefined) return false;
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new BadRequestError(`invalid ${name} "${value.slice(0, 50)}": must be a boolean`);
}

/** Base-10 int32 ≥ 0, or undefined when absent. */
export function parseNonNegativeInt32(query: Query, name: string): number | undefined {
  const value = singleValue(query, name);
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,10}$/.test(value) || Number(value) > 2147483647) {
    throw new BadRequestError(`invalid ${name} "${value.slice(0, 50)}": must be an integer between 0 and 2147483647`);
  }
  return Number(value);
}

/** pageSize, cursor and sortOrder of a legacy list, with the generic messages and the legacy default. */
export function legacyPaging(query: Query): ListRequest {
  return parseListParams(
    {
      pageSize: singleValue(query, 'pageSize'),
      pageToken: singleValue(query, 'pageToken'),
      nextPageToken: singleValue(query, 'nextPageToken'),
      sortOrder: singleValue(query, 'sortOrder'),
    },
    [],
    LEGACY_PAGE_SIZE,
  );
}

export type PageKey = (string | number | null)[];

/**
 * One page of a list held in memory (configuration, preview, recommendation results), with an
 * opaque keyset cursor: the next page starts after the last served key in `compare` order.
 */
export function pageInMemory<T>(
  items: readonly T[],
  options: { keyOf: (item: T) => PageKey; compare: (a: PageKey, b: PageKey) => number; pageSize: number; pageToken?: string; query: unknown },
): { items: T[]; size: number; pageSize: number; nextPageToken: string; totalSize: number } {
  const hash = queryHash(options.query);
  let start = 0;
  if (options.pageToken !== undefined) {
    const key = decodeCursor(options.pageToken, hash);
    if (!key.every((part) => part === null || typeof part === 'string' || typeof part === 'number')) throw new BadRequestError(INVALID_PAGE_TOKEN);
    const after = items.findIndex((item) => options.compare(options.keyOf(item), key as PageKey) > 0);
    start = after < 0 ? items.length : after;
  }
  const page = items.slice(start, start + options.pageSize);
  const more = start + options.pageSize < items.length;
  return {
    items: page,
    size: page.length,
    pageSize: options.pageSize,
    nextPageToken: more ? encodeCursor(options.keyOf(page[page.length - 1]), hash) : '',
    totalSize: items.length,
  };
}

/** Compares keys part by part: nulls last, numbers numerically, strings by code point. */
export function compareKeys(a: PageKey, b: PageKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? null;
    const y = b[i] ?? null;
    if (x === y) continue;
    if (x === null) return 1;
    if (y === null) return -1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}
