import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KindDeclaration, PluginDeclaration } from '../declaration.js';

export type SampleEntry = Record<string, unknown>;

/**
 * The sample entries of one kind as written in the plugin's `data/*.yaml`, for the plugin's own tests
 * (packaging, names and ingest of the samples are checked in packages/server).
 */
export function readSampleEntries(plugin: PluginDeclaration, kind: KindDeclaration = plugin.entities[0]): SampleEntry[] {
  const dir = plugin.dataDir;
  if (dir === undefined) throw new Error(`plugin "${plugin.name}" declares no dataDir`);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .flatMap((file) => (parse(readFileSync(join(dir, file), 'utf8')) as Record<string, SampleEntry[]>)[kind.yamlKey ?? kind.plural] ?? []);
}
