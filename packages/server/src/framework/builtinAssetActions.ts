import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
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
 */
export async function runBuiltinAssetAction(
  db: Kysely<Database>,
  id: 'tag' | 'annotate' | 'deprecate',
  asset: AssetKey,
  params: Record<string, unknown>,
  dryRun: boolean,
): Promise<BuiltinOutcome> {
  const would = dryRun ? 'would set' : 'set';
  switch (id) {
    case 'tag': {
      const tags = parseTags(params);
      if (!dryRun) await upsertOverlay(db, asset, { tags: JSON.stringify(tags) });
      return { message: `${would} ${tags.length} tags on ${asset.name}`, data: { tags } };
    }
    case 'annotate': {
      const input = parseAnnotations(params);
      // Read-merge-write under a row lock, so concurrent annotates never lose each other's keys.
      const merged = await db.transaction().execute(async (trx) => {
        await trx.insertInto('catalog_overlays').values({ ...asset }).onConflict((oc) => oc.doNothing()).execute();
        const current = (await lockOverlay(trx, asset)).annotations ?? {};
        const next: Record<string, string> = { ...current };
        for (const [key, value] of Object.entries(input)) {
          if (value === null) delete next[key];
          else next[key] = value;
        }
        if (Object.keys(next).length > MAX_ANNOTATIONS) {
          throw new BadRequestError(`invalid annotations parameter: at most ${MAX_ANNOTATIONS} annotations are allowed`);
        }
        if (dryRun) throw new DryRunDone(next);
        await upsertOverlay(trx, asset, { annotations: JSON.stringify(next) });
        return next;
      }).catch((error: unknown) => {
        // A dry run rolls back the placeholder row it may have inserted.
        if (error instanceof DryRunDone) return error.merged;
        throw error;
      });
      const count = Object.keys(input).length;
      return { message: `${would} ${count} annotations on ${asset.name}`, data: { annotations: dryRun ? input : merged } };
    }
    case 'deprecate': {
      const phase = parsePhase(params);
      if (!dryRun) await upsertOverlay(db, asset, { lifecycle: phase });
      return { message: `${would} lifecycle of ${asset.name} to "${phase}"`, data: { lifecycle: phase } };
    }
  }
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
  constructor(readonly merged: Record<string, string>) {
    super('dry run');
  }
}

async function lockOverlay(db: Kysely<Database>, asset: AssetKey) {
  return db
    .selectFrom('catalog_overlays')
    .select(['annotations'])
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
