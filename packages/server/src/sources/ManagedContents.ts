import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { sha256Hex } from '../ingest/digest.js';
import type { SourceLocation } from '../providers/types.js';

export const MANAGED_CONTENT_PREFIX = 'sha256:';

/**
 * Text applied through `properties.content` (spec 04 §7), content-addressed per source in
 * `catalog_source_contents`, in the database for every config store so all replicas share it.
 * Rows are immutable: a revision that names `managedContent: sha256:…` restores the exact text.
 */
export class ManagedContents {
  constructor(private readonly database: { readonly db: Kysely<Database> }) {}

  /** Stores the text (idempotent) and returns the `managedContent` value that names it. */
  async store(location: SourceLocation, text: string): Promise<string> {
    const digest = sha256Hex(text);
    await this.database.db
      .insertInto('catalog_source_contents')
      .values({ namespace: location.namespace, plugin: location.plugin, source_id: location.sourceId, digest, content: text, size: Buffer.byteLength(text) })
      .onConflict((oc) => oc.columns(['namespace', 'plugin', 'source_id', 'digest']).doNothing())
      .execute();
    return `${MANAGED_CONTENT_PREFIX}${digest}`;
  }

  /** The text a `managedContent` value names, or `undefined` when no such row exists. */
  async read(location: SourceLocation, managedContent: string): Promise<string | undefined> {
    if (!managedContent.startsWith(MANAGED_CONTENT_PREFIX)) return undefined;
    const row = await this.database.db
      .selectFrom('catalog_source_contents')
      .select('content')
      .where('namespace', '=', location.namespace)
      .where('plugin', '=', location.plugin)
      .where('source_id', '=', location.sourceId)
      .where('digest', '=', managedContent.slice(MANAGED_CONTENT_PREFIX.length))
      .executeTakeFirst();
    return row?.content;
  }

  /**
   * Deletes the source's stored texts that `referenced` (live config and retained revisions) no
   * longer names. Rows younger than a minute stay: an apply stores its text before it saves the
   * configuration that references it.
   */
  async retainOnly(location: SourceLocation, referenced: ReadonlySet<string>): Promise<void> {
    const keep = [...referenced].filter((v) => v.startsWith(MANAGED_CONTENT_PREFIX)).map((v) => v.slice(MANAGED_CONTENT_PREFIX.length));
    let query = this.database.db
      .deleteFrom('catalog_source_contents')
      .where('namespace', '=', location.namespace)
      .where('plugin', '=', location.plugin)
      .where('source_id', '=', location.sourceId)
      .where('created_at', '<', sql<Date>`now() - interval '1 minute'`);
    if (keep.length > 0) query = query.where('digest', 'not in', keep);
    await query.execute();
  }
}
