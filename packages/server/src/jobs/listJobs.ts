import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { BadRequestError, NotFoundError } from '../errors.js';
import { decodeCursor, encodeCursor, INVALID_PAGE_TOKEN, queryHash } from '../query/cursor.js';
import { isJobId, JOB_STATES, jobView } from './jobRows.js';

/** Whose jobs a list reads: one namespace, or every namespace (cluster scope, spec 05 §1.7) within an allow-list (`[]` = all). */
export type JobScope = { kind: 'namespace'; namespace: string } | { kind: 'cluster'; allowList: readonly string[] };

export interface JobListQuery {
  plugin?: string;
  sourceId?: string;
  state?: string;
  requestedBy?: string;
  pageSize?: string;
  pageToken?: string;
  nextPageToken?: string;
}

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

/** `GET /api/jobs/v1alpha1/refresh` (spec 05 §5.8): exact-match filters, keyset pages, newest first. */
export async function listJobs(db: Kysely<Database>, scope: JobScope, query: JobListQuery) {
  if (query.state !== undefined && !JOB_STATES.includes(query.state as 'queued')) {
    throw new BadRequestError(`state must be one of ${JOB_STATES.join(', ')}`);
  }
  const pageSize = parsePageSize(query.pageSize);
  if (query.pageToken !== undefined && query.nextPageToken !== undefined && query.pageToken !== query.nextPageToken) {
    throw new BadRequestError('pageToken and nextPageToken differ');
  }
  const token = query.pageToken ?? query.nextPageToken;
  const filters = { plugin: query.plugin, sourceId: query.sourceId, state: query.state, requestedBy: query.requestedBy };
  const hash = queryHash({ scope, filters });
  let after: [string, string] | undefined;
  if (token !== undefined && token !== '') {
    const keys = decodeCursor(token, hash);
    if (keys.length !== 2 || typeof keys[0] !== 'string' || typeof keys[1] !== 'string' || Number.isNaN(Date.parse(keys[0]))) {
      throw new BadRequestError(INVALID_PAGE_TOKEN);
    }
    after = [keys[0], keys[1]];
  }

  let base = inScope(db, scope);
  if (filters.plugin !== undefined) base = base.where('plugin', '=', filters.plugin);
  if (filters.sourceId !== undefined) base = base.where('source_id', '=', filters.sourceId);
  if (filters.state !== undefined) base = base.where('state', '=', filters.state);
  if (filters.requestedBy !== undefined) base = base.where('requested_by', '=', filters.requestedBy);

  let page = base.selectAll().orderBy('requested_at', 'desc').orderBy('id', 'desc').limit(pageSize + 1);
  if (after) {
    const [at, id] = after;
    page = page.where((eb) => eb.or([eb('requested_at', '<', new Date(at)), eb.and([eb('requested_at', '=', new Date(at)), eb('id', '<', id)])]));
  }
  const [rows, total] = await Promise.all([
    page.execute(),
    base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  const jobs = rows.slice(0, pageSize);
  const last = jobs.at(-1);
  const nextPageToken = rows.length > pageSize && last ? encodeCursor([new Date(last.requested_at).toISOString(), last.id], hash) : '';
  return { jobs: jobs.map(jobView), size: jobs.length, pageSize, nextPageToken, totalSize: Number(total.n) };
}

/** `GET /api/jobs/v1alpha1/refresh/{id}`: 404 for unknown or malformed ids and for jobs outside the scope. */
export async function getJob(db: Kysely<Database>, scope: JobScope, id: string) {
  const job = isJobId(id) ? await inScope(db, scope).selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!job) throw new NotFoundError(`job "${id}" not found`);
  return jobView(job);
}

function parsePageSize(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PAGE_SIZE;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new BadRequestError('pageSize must be an integer between 1 and 100');
  return Math.min(n, MAX_PAGE_SIZE);
}

function inScope(db: Kysely<Database>, scope: JobScope) {
  const jobs = db.selectFrom('refresh_jobs');
  if (scope.kind === 'namespace') return jobs.where('namespace', '=', scope.namespace);
  return scope.allowList.length > 0 ? jobs.where('namespace', 'in', scope.allowList) : jobs;
}
