import type { Kysely } from 'kysely';
import type { ConfigStoreMode } from '../config/serverConfig.js';
import { loadSourcesFile, parseSourcesDocument, readSourcesText, type SourcesDocument } from '../config/sourcesDocument.js';
import { configSectionsAcrossNamespaces } from '../db/acrossNamespaces.js';
import type { Database } from '../db/schema.js';
import { StartupError } from '../errors.js';
import { DEFAULT_NAMESPACE } from '../tenancy/resolveNamespace.js';

interface Logger {
  info: (obj: object, msg: string) => void;
  error: (obj: object, msg: string) => void;
}

/**
 * Reads the source configuration of every namespace the config store holds (spec 01 §3.1 step 6,
 * 04 §8): `file` and `none` read the `--sources` file as namespace `default`; `db` seeds `default`
 * from that file the first time and afterwards reads only the database, so a developer checkout is
 * never rewritten.
 */
export async function loadConfiguration(
  mode: ConfigStoreMode,
  sourcesPath: string,
  db: Kysely<Database>,
  log: Logger,
  /** The `--sources` document when startup already read it (file and none modes read it first). */
  fileDocument?: SourcesDocument,
): Promise<Map<string, SourcesDocument>> {
  switch (mode) {
    case 'file':
    case 'none':
      return new Map([[DEFAULT_NAMESPACE, fileDocument ?? (await loadSourcesFile(sourcesPath))]]);
    case 'db':
      return loadFromDatabase(sourcesPath, db, log);
    case 'k8s':
      throw new StartupError('config store mode "k8s" is not available in this release; use file, db or none');
  }
}

async function loadFromDatabase(sourcesPath: string, db: Kysely<Database>, log: Logger): Promise<Map<string, SourcesDocument>> {
  const seeded = await db.selectFrom('catalog_config_sections').select('namespace').where('namespace', '=', DEFAULT_NAMESPACE).executeTakeFirst();
  if (!seeded) {
    const text = await readSourcesText(sourcesPath);
    // Parse before storing: a structurally invalid seed file is a startup error, not stored garbage.
    parseSourcesDocument(text, sourcesPath);
    await db
      .insertInto('catalog_config_sections')
      .values({ namespace: DEFAULT_NAMESPACE, document: text, seeded_from: sourcesPath })
      .onConflict((oc) => oc.column('namespace').doNothing())
      .execute();
    log.info({ namespace: DEFAULT_NAMESPACE, sourcesPath }, 'seeded the db config store from the sources file');
  }
  const rows = await configSectionsAcrossNamespaces(db);
  const documents = new Map<string, SourcesDocument>();
  for (const row of rows) {
    try {
      documents.set(row.namespace, parseSourcesDocument(row.document, sourcesPath));
    } catch (error) {
      log.error({ namespace: row.namespace, err: (error as Error).message }, 'stored source configuration is invalid; namespace skipped');
    }
  }
  return documents;
}
