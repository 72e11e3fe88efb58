import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { RequestAudit } from '../audit/RequestAudit.js';
import { BadRequestError } from '../errors.js';

const MAX_TAGS = 100;
const MAX_TAG_LENGTH = 256;
const MAX_ANNOTATIONS = 100;

export interface AssetKey {
  namespace: string;
  plugin: string;
  kind: string;
  name: string;
}

export interface BuiltinOutcome {
  message: string;
  data: Record<string, unknown>;
}

/**
 * The builtin asset actions (spec 04 §16.3): `tag` replaces the overlay tags, `annotate` merges
 * annotations (`null` removes a key), `deprecate` sets the overlay lifecycle phase. Parameters are
 * checked with the spec's exact messages before anything is written; a dry run writes nothing.
 * Each change is a read-modify-write under the overlay's row lock, and the request's audit event
 * (old and new overlay values) commits in the same transaction (05 §4.7).
 */
export async function runBuiltinAssetAction(
  db: Kysely<Database>,
  id: 'tag' | 'annotate' | 'deprecate',
  asset: AssetKey,
  params: Record<string, unknown>,
  dryRun: boolean,
  audit: RequestAudit,
): Promise<BuiltinOutcome> {
  const would = dryRun ? 'would set' : 'set';
  // Validate first: a bad parameter is a 400 before any row is touched.
  const change = id === 'tag' ? { tags: parseTags(params) } : id === 'annotate' ? { annotations: parseAnnotations(params) } : { lifecycle: parsePhase(params) };
  const applied = await db.transaction().execute(async (trx) => {
    // The placeholder row gives the lock something to hold; a dry run rolls it back.
    await trx.insertInto('catalog_overlays').values({ ...asset }).onConflict((oc) => oc.doNothing()).execute();
    const current = await lockOverlay(trx, asset);
    const next = { tags: current.tags, annotations: current.annotations, lifecycle: current.lifecycle };
    if (change.tags) next.tags = change.tags;
    if (change.lifecycle) next.lifecycle = change.lifecycle;
    if (change.annotations) {
      const merged: Record<string, string> = { ...current.annotations };
      for (const [key, value] of Object.entries(change.annotations)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      if (Object.keys(merged).length > MAX_ANNOTATIONS) {
        throw new BadRequestError(`invalid annotations parameter: at most ${MAX_ANNOTATIONS} annotations are allowed`);
      }
      next.annotations = merged;
    }
    const field = id === 'tag' ? 'tags' : id === 'annotate' ? 'annotations' : 'lifecycle';
    audit.enrich({ oldValue: { [field]: current[field] ?? null }, newValue: { [field]: next[field] ?? null } });
    if (dryRun) throw new DryRunDone(next);
    await upsertOverlay(trx, asset, {
      ...(change.tags ? { tags: JSON.stringify(next.tags) } : {}),
      ...(change.annotations ? { annotations: JSON.stringify(next.annotations) } : {}),
      ...(change.lifecycle ? { lifecycle: change.lifecycle } : {}),
    });
    await audit.commitWith(trx, 200);
    return next;
  }).catch((error: unknown) => {
    if (error instanceof DryRunDone) return error.overlay;
    throw error;
  });
  switch (id) {
    case 'tag':
      return { message: `${would} ${change.tags!.length} tags on ${asset.name}`, data: { tags: change.tags } };
    case 'annotate': {
      const count = Object.keys(change.annotations!).length;
      return { message: `${would} ${count} annotations on ${asset.name}`, data: { annotations: dryRun ? change.annotations : applied.annotations } };
    }
    case 'deprecate':
      return { message: `${would} lifecycle of ${asset.name} to "${change.lifecycle}"`, data: { lifecycle: change.lifecycle } };
  }
}

interface OverlayState {
  tags: string[] | null;
  annotations: Record<string, string> | null;
  lifecycle: string | null;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? 'object' : typeof value;
}

function parseTags(params: Record<string, unknown>): string[] {
  const fail = (detail: string): never => {
    throw new BadRequestError(`invalid tags parameter: ${detail}`);
  };
  if (!('tags' in params)) fail('missing "tags" parameter');
  const tags = params.tags;
  if (!Array.isArray(tags)) return fail(`"tags" must be an array of strings, got ${jsonType(tags)}`);
  for (const tag of tags) {
    if (typeof tag !== 'string') fail(`"tags" contains non-string element: ${jsonType(tag)}`);
    else if (tag.length === 0 || tag.length > MAX_TAG_LENGTH) fail(`tags must be 1 to ${MAX_TAG_LENGTH} characters`);
  }
  const unique = [...new Set(tags as string[])];
  if (unique.length > MAX_TAGS) fail(`at most ${MAX_TAGS} tags are allowed`);
  return unique;
}

function parseAnnotations(params: Record<string, unknown>): Record<string, string | null> {
  const fail = (detail: string): never => {
    throw new BadRequestError(`invalid annotations parameter: ${detail}`);
  };
  if (!('annotations' in params)) fail('missing "annotations" parameter');
  const annotations = params.annotations;
  if (jsonType(annotations) !== 'object') return fail(`"annotations" must be an object with string values, got ${jsonType(annotations)}`);
  for (const [key, value] of Object.entries(annotations as Record<string, unknown>)) {
    if (value !== null && typeof value !== 'string') fail(`"annotations"["${key}"] is not a string: ${jsonType(value)}`);
  }
  return annotations as Record<string, string | null>;
}

function parsePhase(params: Record<string, unknown>): string {
  const phase = params.phase;
  if (phase !== undefined && phase !== null && typeof phase !== 'string') {
    throw new BadRequestError(`invalid phase parameter: "phase" must be a string, got ${jsonType(phase)}`);
  }
  return typeof phase === 'string' && phase !== '' ? phase : 'deprecated';
}

class DryRunDone extends Error {
  constructor(readonly overlay: OverlayState) {
    super('dry run');
  }
}

async function lockOverlay(db: Kysely<Database>, asset: AssetKey) {
  return db
    .selectFrom('catalog_overlays')
    .select(['tags', 'annotations', 'lifecycle'])
    .where('namespace', '=', asset.namespace)
    .where('plugin', '=', asset.plugin)
    .where('kind', '=', asset.kind)
    .where('name', '=', asset.name)
    .forUpdate()
    .executeTakeFirstOrThrow();
}

async function upsertOverlay(
  db: Kysely<Database>,
  asset: AssetKey,
  change: { tags?: string; annotations?: string; lifecycle?: string },
): Promise<void> {
  await db
    .insertInto('catalog_overlays')
    .values({ namespace: asset.namespace, plugin: asset.plugin, kind: asset.kind, name: asset.name, ...change })
    .onConflict((oc) => oc.columns(['namespace', 'plugin', 'kind', 'name']).doUpdateSet({ ...change, updated_at: sql`now()` }))
    .execute();
}
