import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { BadRequestError } from '../../errors.js';
import { decodeCursor, encodeCursor, INVALID_PAGE_TOKEN, queryHash } from '../../query/cursor.js';

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 1000;

export interface PageQuery {
  pageSize?: string;
  pageToken?: string;
  nextPageToken?: string;
}

/** A keyset page request on (`created_at` DESC, `id` DESC) (06 §1 paging). */
export interface PageRequest {
  pageSize: number;
  /** The `(created_at, id) <` condition of the next page, for the given table alias. */
  after(alias: string): RawBuilder<SqlBool> | undefined;
  hash: string;
}

export function parsePage(query: PageQuery, filters: unknown): PageRequest {
  let pageSize = DEFAULT_PAGE_SIZE;
  if (query.pageSize !== undefined && query.pageSize !== '') {
    if (!/^[0-9]+$/.test(query.pageSize) || /^0+$/.test(query.pageSize)) {
      throw new BadRequestError(`pageSize must be an integer between 1 and ${MAX_PAGE_SIZE}`);
    }
    pageSize = Math.min(Number(query.pageSize), MAX_PAGE_SIZE);
  }
  const pageToken = query.pageToken || undefined;
  const nextPageToken = query.nextPageToken || undefined;
  if (pageToken !== undefined && nextPageToken !== undefined && pageToken !== nextPageToken) throw new BadRequestError('pageToken and nextPageToken differ');
  const token = pageToken ?? nextPageToken;
  const hash = queryHash(filters);
  let key: [string, string] | undefined;
  if (token !== undefined) {
    const keys = decodeCursor(token, hash);
    if (keys.length !== 2 || typeof keys[0] !== 'string' || !/^[0-9]+$/.test(keys[0]) || typeof keys[1] !== 'string') {
      throw new BadRequestError(INVALID_PAGE_TOKEN);
    }
    key = [keys[0], keys[1]];
  }
  return {
    pageSize,
    hash,
    // `id::text`: governance ids are text and audit ids uuid; both orders agree for lowercase hex.
    after: (alias) => key && sql<SqlBool>`(${sql.ref(`${alias}.created_at`)}, ${sql.ref(`${alias}.id`)}::text)
      < (timestamptz 'epoch' + ${key[0]}::bigint * interval '1 microsecond', ${key[1]}::text)`,
  };
}

/** Microseconds since the epoch of `created_at`, the exact cursor key (the column keeps microseconds). */
export const CREATED_MICROS = (alias: string) =>
  sql<string>`(extract(epoch from ${sql.ref(`${alias}.created_at`)}) * 1000000)::bigint::text`.as('created_micros');

/** Cuts the page (rows fetched with limit pageSize + 1) and issues the next token. */
export function pageOf<T extends { id: string; created_micros: string }>(rows: T[], page: PageRequest) {
  const items = rows.slice(0, page.pageSize);
  const last = items.at(-1);
  const nextPageToken = rows.length > page.pageSize && last ? encodeCursor([last.created_micros, last.id], page.hash) : '';
  return { items, nextPageToken };
}
