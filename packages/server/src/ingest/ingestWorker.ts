/**
 * The worker-thread side of IngestWorkerPool: imports a plugin package, runs `ingestDocuments` for it
 * and posts the prepared entities back in batches.
 */
import { parentPort } from 'node:worker_threads';
import type { PluginDeclaration } from '@catalog/framework';
import { RegisteredPlugin } from '../framework/PluginRegistry.js';
import { ingestDocuments, IngestFailure } from './ingestDocuments.js';
import type { IngestRequest, IngestWorkerMessage } from './IngestWorkerPool.js';

/**
 * Entities per message: each message is deserialized on the request thread in one piece, so batches
 * keep that to about a millisecond instead of one pause for a whole 10,000-entity source.
 */
const BATCH = 500;

const plugins = new Map<string, Promise<RegisteredPlugin>>();

function pluginFrom(module: string, name: string): Promise<RegisteredPlugin> {
  let plugin = plugins.get(module);
  if (!plugin) {
    plugin = import(module).then((loaded: { default?: PluginDeclaration }) => {
      if (loaded.default?.name !== name) throw new Error(`module ${module} does not declare plugin "${name}"`);
      return new RegisteredPlugin(loaded.default);
    });
    plugins.set(module, plugin);
  }
  return plugin;
}

const port = parentPort!;
const post = (message: IngestWorkerMessage) => port.postMessage(message);

port.on('message', async ({ id, module, plugin, input }: IngestRequest) => {
  try {
    const { kinds } = await pluginFrom(module, plugin);
    const output = ingestDocuments(kinds, input);
    for (const [kind, entities] of output.perKind) {
      for (let i = 0; i < entities.length; i += BATCH) post({ id, type: 'entities', kind, entities: entities.slice(i, i + BATCH) });
    }
    post({ id, type: 'done', kinds: output.perKind.map(([kind]) => kind), rejections: output.rejections, rejectedCount: output.rejectedCount });
  } catch (error) {
    post({ id, type: 'failed', message: (error as Error).message, ingestFailure: error instanceof IngestFailure });
  }
});
