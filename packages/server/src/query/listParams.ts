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
  /** `<Kind>:<name>`, repeatable (spec 02 §2.6). */
  references?: string | string[];
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
  /** Reverse-lookup keys (`Kind:name`) every listed entity must reference. */
  references: string[];
}


export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;
export const MAX_Q_LENGTH = 256;

/**
 * Validates the raw list parameters with the exact messages of spec 01 §10.3. An empty value counts
 * as absent, because clients that forward every parameter send `?q=&orderBy=`.
 */
export function parseListParams(params: ListParams, referenceKinds: readonly string[] = [], defaultPageSize = DEFAULT_PAGE_SIZE): ListRequest {
  const given = (value: string | undefined) => (value === undefined || value === '' ? undefined : value);

  const pageSizeText = given(params.pageSize);
  let pageSize = defaultPageSize;
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

  const references = (Array.isArray(params.references) ? params.references : params.references === undefined ? [] : [params.references])
    .filter((value) => value !== '')
    .map((value) => parseReference(value, referenceKinds));

  return {
    references,
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

/** `Kind:name`; the name is everything after the first `:`. */
function parseReference(value: string, kinds: readonly string[]): string {
  const colon = value.indexOf(':');
  const kind = colon < 0 ? value : value.slice(0, colon);
  if (colon <= 0 || colon === value.length - 1) {
    throw new BadRequestError(`invalid references value "${value.slice(0, 100)}": expected <Kind>:<name>`);
  }
  if (!kinds.includes(kind)) {
    throw new BadRequestError(`invalid references value "${value.slice(0, 100)}": kind must be one of ${kinds.join(', ')}`);
  }
  return value;
}
