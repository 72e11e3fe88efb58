import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PluginDeclaration } from '@catalog/framework';
import { StartupError } from './errors.js';

/** The repository root: this file lives in `packages/server/{src,dist}/`. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** The version of the server package (reported by `--version`, OpenAPI and the user agent). */
export const SERVER_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const PLUGIN_MODULE = Symbol('catalog.pluginModule');

/**
 * The package a bundled plugin's declaration was imported from, which a worker thread can import
 * again (ingest/IngestWorkerPool.ts). The mark is not enumerable, so a declaration derived from a
 * bundled one by spreading (as tests do) is not taken for the package's own.
 */
export function pluginModuleOf(declaration: PluginDeclaration): string | undefined {
  return (declaration as { [PLUGIN_MODULE]?: string })[PLUGIN_MODULE];
}

/**
 * The plugins shipped in the repository: every `plugins/<name>/` folder with a package.json is one
 * plugin, imported by its package name. Adding a catalog is adding a folder; removing the folder
 * removes the plugin without any other change.
 */
export async function loadBundledPlugins(pluginsDir = join(REPOSITORY_ROOT, 'plugins')): Promise<PluginDeclaration[]> {
  if (!existsSync(pluginsDir)) return [];
  const declarations: PluginDeclaration[] = [];
  for (const folder of readdirSync(pluginsDir).sort()) {
    const manifest = join(pluginsDir, folder, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string };
    const module = (await import(name)) as { default?: PluginDeclaration };
    if (!module.default) throw new StartupError(`plugin package ${name} has no default export (definePlugin(...))`);
    declarations.push(Object.defineProperty(module.default, PLUGIN_MODULE, { value: name }));
  }
  return declarations;
}
