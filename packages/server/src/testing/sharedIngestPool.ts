import { pluginModuleOf } from '../bundledPlugins.js';
import { IngestWorkerPool } from '../ingest/IngestWorkerPool.js';

let pool: IngestWorkerPool | undefined;

/**
 * One ingest pool for every test server of a test process: starting a worker from TypeScript sources
 * costs about a second, and a test file starts many servers. Its workers are unreferenced while idle,
 * so the test process still exits on its own.
 */
export function sharedIngestPool(): IngestWorkerPool {
  pool ??= new IngestWorkerPool({ moduleOf: (plugin) => pluginModuleOf(plugin.decl) });
  return pool;
}
