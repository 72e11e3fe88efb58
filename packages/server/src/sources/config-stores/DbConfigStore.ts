import { sql, type Kysely } from 'kysely';
import { readSourcesText, parseSourcesDocument } from '../../config/sourcesDocument.js';
import { configNamespacesAcrossNamespaces } from '../../db/acrossNamespaces.js';
import type { Database } from '../../db/schema.js';
import { sha256Hex } from '../../ingest/digest.js';
import { DEFAULT_NAMESPACE } from '../../tenancy/resolveNamespace.js';
import { sourceSnapshot, sourceVersion, type SourceSnapshot } from '../sourceDigests.js';
import { StoreConflictError, type ConfigStore, type RevisionAction, type RevisionRecord, type SaveRequest, type StoredDocument } from './ConfigStore.js';

/**
 * The `db` store (spec 04 §8.5): each namespace document is a row of `catalog_config_sections`, its
 * revisions rows of `catalog_source_revisions`, written in one transaction that locks the document
 * row (`SELECT … FOR UPDATE`) and compares its hash with the expected version, so concurrent
 * writers on any replica conflict instead of losing an update.
 */
export class DbConfigStore implements ConfigStore {
  readonly mode = 'db' as const;
  readonly keepsRevisions = true;

  constructor(
    /** Read late: the store exists before the database is open (handlers are registered first). */
    private readonly database: { readonly db: Kysely<Database> },
    private readonly revisionLimit: number,
  ) {}

  private get db(): Kysely<Database> {
    return this.database.db;
  }

  /**
   * Imports the `--sources` file into namespace `default` the first time (the row is the marker), so
   * deleting every source later never re-seeds; each imported source gets an `import` revision.
   */
  async seed(sourcesPath: string): Promise<boolean> {
    const seeded = await this.db.selectFrom('catalog_config_sections').select('namespace').where('namespace', '=', DEFAULT_NAMESPACE).executeTakeFirst();
    if (seeded) return false;
    const text = await readSourcesText(sourcesPath);
    // Parse before storing: a structurally invalid seed file is a startup error, not stored garbage.
    const document = parseSourcesDocument(text, sourcesPath);
    const timestamp = new Date();
    const imports: RevisionRecord[] = Object.entries(document.catalogs).flatMap(([configKey, section]) =>
      section.sources.filter((source) => source.id !== '').map((source) => {
        const snapshot = sourceSnapshot(source);
        return {
          configKey, sourceId: source.id, digest: sourceVersion(snapshot), action: 'import' as const, actor: 'system', timestamp,
          size: Buffer.byteLength(JSON.stringify(snapshot)), snapshot,
        };
      }));
    return this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('catalog_config_sections')
        .values({ namespace: DEFAULT_NAMESPACE, document: text, seeded_from: sourcesPath })
        .onConflict((oc) => oc.column('namespace').doNothing())
        .returning('namespace')
        .executeTakeFirst();
      if (!inserted) return false;
      await this.insertRevisions(trx, DEFAULT_NAMESPACE, imports);
      return true;
    });
  }

  async writable(): Promise<boolean> {
    return true;
  }

  namespaces(): Promise<string[]> {
    return configNamespacesAcrossNamespaces(this.db);
  }

  async read(namespace: string): Promise<StoredDocument | undefined> {
    const row = await this.db.selectFrom('catalog_config_sections').select('document').where('namespace', '=', namespace).executeTakeFirst();
    return row ? { text: row.document, version: sha256Hex(row.document) } : undefined;
  }

  async save(request: SaveRequest): Promise<StoredDocument> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('catalog_config_sections')
        .select('document')
        .where('namespace', '=', request.namespace)
        .forUpdate()
        .executeTakeFirst();
      if ((row ? sha256Hex(row.document) : null) !== request.expectedVersion) throw new StoreConflictError();
      if (row) {
        await trx
          .updateTable('catalog_config_sections')
          .set({ document: request.text, revision: sql`revision + 1`, updated_at: sql`now()` })
          .where('namespace', '=', request.namespace)
          .execute();
      } else {
        // A concurrent first write in the same namespace makes this insert fail: that is the conflict.
        const inserted = await trx
          .insertInto('catalog_config_sections')
          .values({ namespace: request.namespace, document: request.text, seeded_from: null })
          .onConflict((oc) => oc.column('namespace').doNothing())
          .returning('namespace')
          .executeTakeFirst();
        if (!inserted) throw new StoreConflictError();
      }
      await this.insertRevisions(trx, request.namespace, request.revisions);
      await request.withinTransaction?.(trx);
      return { text: request.text, version: sha256Hex(request.text) };
    });
  }

  async revisions(namespace: string, configKey: string, sourceId: string): Promise<RevisionRecord[]> {
    const rows = await this.db
      .selectFrom('catalog_source_revisions')
      .select(['digest', 'action', 'actor', 'snapshot', 'size', 'created_at'])
      .where('namespace', '=', namespace)
      .where('plugin', '=', configKey)
      .where('source_id', '=', sourceId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(this.revisionLimit)
      .execute();
    return rows.map((row) => ({
      configKey, sourceId, digest: row.digest, action: row.action as RevisionAction, actor: row.actor,
      timestamp: new Date(row.created_at), size: row.size, snapshot: row.snapshot as unknown as SourceSnapshot,
    }));
  }

  private async insertRevisions(trx: Kysely<Database>, namespace: string, revisions: readonly RevisionRecord[]): Promise<void> {
    for (const revision of revisions) {
      const snapshot = JSON.stringify(revision.snapshot);
      await trx
        .insertInto('catalog_source_revisions')
        .values({
          namespace, plugin: revision.configKey, source_id: revision.sourceId, digest: revision.digest, action: revision.action,
          actor: revision.actor, snapshot, size: Buffer.byteLength(snapshot), created_at: revision.timestamp,
        })
        .execute();
      // Keep the newest `revisionLimit` of this source.
      await sql`DELETE FROM catalog_source_revisions WHERE namespace = ${namespace} AND plugin = ${revision.configKey}
        AND source_id = ${revision.sourceId} AND id NOT IN (
          SELECT id FROM catalog_source_revisions WHERE namespace = ${namespace} AND plugin = ${revision.configKey}
            AND source_id = ${revision.sourceId} ORDER BY created_at DESC, id DESC LIMIT ${this.revisionLimit})`.execute(trx);
    }
  }
}
