import { BadRequestError } from '../errors.js';

/** The list parameters of spec 01 §10.3 as they arrive in the query string. */
export interface ListParams {
  pageSize?: string;
  pageToken?: string;
  nextPageToken?: string;
  filterQuery?: string;
  q?: string;
  orderBy?: string;
  sortOrder?: string;
  sourceId?: string;
  includeArchived?: string;
}

export interface ListRequest {
  pageSize: number;
  pageToken?: string;
  filterQuery?: string;
  /** Trimmed; absent when empty. */
  q?: string;
  orderBy: string;
  descending: boolean;
  /** The `sourceId` list, absent when not restricted. */
  sourceIds?: string[];
  includeArchived: boolean;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;
export const MAX_Q_LENGTH = 256;

/**
 * Validates the raw list parameters with the exact messages of spec 01 §10.3. An empty value counts
 * as absent, because clients that forward every parameter send `?q=&orderBy=`.
 */
export function parseListParams(params: ListParams): ListRequest {
  const given = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

  const pageSizeText = given(params.pageSize);
  let pageSize = DEFAULT_PAGE_SIZE;
  if (pageSizeText !== undefined) {
    if (!/^[0-9]+$/.test(pageSizeText) || /^0+$/.test(pageSizeText)) {
      throw new BadRequestError(`pageSize must be an integer between 1 and ${MAX_PAGE_SIZE}`);
    }
    pageSize = Math.min(Number(pageSizeText), MAX_PAGE_SIZE);
  }

  const pageToken = given(params.pageToken);
  const nextPageToken = given(params.nextPageToken);
  if (pageToken !== undefined && nextPageToken !== undefined && pageToken !== nextPageToken) {
    throw new BadRequestError('pageToken and nextPageToken differ');
  }

  const sortOrder = given(params.sortOrder)?.toUpperCase() ?? 'ASC';
  if (sortOrder !== 'ASC' && sortOrder !== 'DESC') throw new BadRequestError('sortOrder must be ASC or DESC');

  const includeArchivedText = given(params.includeArchived)?.toLowerCase() ?? 'false';
  if (includeArchivedText !== 'true' && includeArchivedText !== 'false') {
    throw new BadRequestError('includeArchived must be true or false');
  }

  const rawQ = params.q ?? '';
  if (rawQ.length > MAX_Q_LENGTH) throw new BadRequestError(`q exceeds maximum length of ${MAX_Q_LENGTH} characters`);
  const q = rawQ.trim();

  const sourceIds = given(params.sourceId)
    ?.split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');

  return {
    pageSize,
    pageToken: pageToken ?? nextPageToken,
    filterQuery: given(params.filterQuery),
    q: q === '' ? undefined : q,
    orderBy: given(params.orderBy) ?? 'name',
    descending: sortOrder === 'DESC',
    sourceIds: sourceIds && sourceIds.length > 0 ? sourceIds : undefined,
    includeArchived: includeArchivedText === 'true',
  };
}
