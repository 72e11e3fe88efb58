import agentsPlugin from '@catalog/plugin-agents';
import guardrailsPlugin from '@catalog/plugin-guardrails';
import knowledgePlugin from '@catalog/plugin-knowledge';
import mcpPlugin from '@catalog/plugin-mcp';
import modelPlugin from '@catalog/plugin-model';
import policiesPlugin from '@catalog/plugin-policies';
import promptsPlugin from '@catalog/plugin-prompts';
import skillsPlugin from '@catalog/plugin-skills';
import type { PluginDeclaration } from '@catalog/framework';
import { Document, isScalar, visit } from 'yaml';
import { agentsGenerator } from './agents.js';
import { GENERATED_PLUGINS, type Entry, type GeneratedPlugin, type Identity, type PluginGenerator, type Targets } from './common.js';
import { guardrailsGenerator } from './guardrails.js';
import { knowledgeGenerator } from './knowledge.js';
import { mcpGenerator } from './mcp.js';
import { modelGenerator } from './model.js';
import { policiesGenerator } from './policies.js';
import { promptsGenerator } from './prompts.js';
import { deriveSeed, NamePicker, Random } from './random.js';
import { skillsGenerator } from './skills.js';

/**
 * Builds a whole synthetic dataset: the data files of every (namespace, plugin) and one sources
 * configuration per namespace. Pure and deterministic: the files depend on the options only.
 */

export type DatasetFormat = 'yaml' | 'json';

export interface DatasetOptions {
  /** Plugins to generate; order does not matter (output follows GENERATED_PLUGINS). */
  plugins: readonly GeneratedPlugin[];
  /** Entities per plugin and namespace. */
  perPlugin: number;
  /** Number of namespaces, named `bench-1` … `bench-<n>`. */
  namespaces: number;
  seed: number;
  /**
   * Documents each plugin's entities of a namespace are split into; `auto` means one, or as many as
   * needed to keep each within `maxDocumentBytes`.
   */
  filesPerSource: number | 'auto';
  /** Size limit of `auto` splitting; default the server's default document limit. */
  maxDocumentBytes?: number;
  format: DatasetFormat;
}

export interface DatasetFile {
  /** Relative to the output directory, with `/` separators. */
  path: string;
  content: string;
  /** Entries in a data file; absent for sources configurations. */
  entries?: number;
}

interface PluginInfo {
  generator: PluginGenerator;
  declaration: PluginDeclaration;
  /** Model documents name their catalog in a top-level `source` (spec 03 §4.1). */
  sourceHeader?: boolean;
}

/** The declarations supply the document key, the configuration key and display names, so those cannot drift. */
const PLUGINS: Record<GeneratedPlugin, PluginInfo> = {
  model: { generator: modelGenerator, declaration: modelPlugin, sourceHeader: true },
  mcp: { generator: mcpGenerator, declaration: mcpPlugin },
  knowledge: { generator: knowledgeGenerator, declaration: knowledgePlugin },
  prompts: { generator: promptsGenerator, declaration: promptsPlugin },
  agents: { generator: agentsGenerator, declaration: agentsPlugin },
  guardrails: { generator: guardrailsGenerator, declaration: guardrailsPlugin },
  policies: { generator: policiesGenerator, declaration: policiesPlugin },
  skills: { generator: skillsGenerator, declaration: skillsPlugin },
};

/** The server's default per-document limit (`CATALOG_MAX_SOURCE_BYTES`, spec 04 §15), which `auto` splitting respects. */
export const DEFAULT_MAX_SOURCE_BYTES = 10 * 1024 * 1024;

/**
 * Serializer settings that keep the YAML inside the server's fast subset reader (ingest/yamlSubset):
 * no folded long lines (`lineWidth: 0`), literal `|` blocks for multi-line text, and no anchors or
 * aliases for objects that happen to be shared between entries (the subset declines them, and a
 * document is refused beyond 100 aliases).
 */
const YAML_OPTIONS = { lineWidth: 0, blockQuote: 'literal', aliasDuplicateObjects: false, flowCollectionPadding: false } as const;

/**
 * A plain word that needs no quotes in a flow sequence and stays a string: starts with a letter, has
 * no flow indicators or `: `, and is not one of the words YAML reads as a boolean or null.
 */
const FLOW_WORD = /^[A-Za-z][A-Za-z0-9_./-]*$/;
const NON_STRING_WORD = /^(true|false|null)$/i;
const MAX_FLOW_LENGTH = 60;

/**
 * Short lists of words (`required`, `enum`, tags) are written in flow style, `[a, b]`, as the shipped
 * samples write them and as the subset reader accepts; one item per line would also add a few
 * percent to every document.
 */
function flowShortLists(document: Document): void {
  visit(document, {
    Seq(_key, node) {
      const words = node.items.map((item) => (isScalar(item) ? item.value : undefined));
      const flat = words.every((word) => typeof word === 'string' && FLOW_WORD.test(word) && !NON_STRING_WORD.test(word));
      if (words.length > 0 && flat && words.join(', ').length <= MAX_FLOW_LENGTH) node.flow = true;
    },
  });
}

function toYaml(value: unknown): string {
  const document = new Document(value, YAML_OPTIONS);
  flowShortLists(document);
  return document.toString(YAML_OPTIONS);
}

export function namespaceNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `bench-${i + 1}`);
}

function yamlKeyOf(declaration: PluginDeclaration): string {
  const kind = declaration.entities[0];
  return kind.yamlKey ?? kind.plural;
}

/** `bench-1/mcp/mcpservers.yaml`, or `bench-1/mcp/mcpservers-2.yaml` for the second of several documents. */
function dataPath(namespace: string, plugin: GeneratedPlugin, part: number, parts: number, format: DatasetFormat): string {
  const base = `${namespace}/${plugin}/${yamlKeyOf(PLUGINS[plugin].declaration)}`;
  if (parts === 1) return `${base}.${format}`;
  return `${base}-${String(part + 1).padStart(String(parts).length, '0')}.${format}`;
}

/**
 * Each entry is serialized once, on its own, and documents are joined from the pieces: splitting
 * (including `auto`, which may try several counts) then costs string joins, not another pass of the
 * YAML serializer, which dominates the run time.
 */
function yamlItem(entry: Entry): string {
  // `- name: …` at column 0, shifted under the document key. Empty lines stay empty: they only occur
  // inside literal blocks, where a line of spaces would be content rather than a blank line.
  return toYaml([entry]).replace(/^(?=.)/gm, '  ');
}

/**
 * One entry per line in JSON: barely larger than compact JSON, yet ingest errors still point at a
 * useful line and diffs between two seeds stay readable.
 */
function jsonItem(entry: Entry): string {
  return JSON.stringify(entry);
}

function assemble(format: DatasetFormat, yamlKey: string, items: readonly string[], header: string, source?: string): string {
  if (format === 'json') {
    const head = source === undefined ? '' : `"source": ${JSON.stringify(source)}, `;
    return items.length === 0 ? `{${head}"${yamlKey}": []}\n` : `{${head}"${yamlKey}": [\n${items.join(',\n')}\n]}\n`;
  }
  const head = `# ${header}\n${source === undefined ? '' : `source: ${source}\n`}`;
  return items.length === 0 ? `${head}${yamlKey}: []\n` : `${head}${yamlKey}:\n${items.join('')}`;
}

/** The `[start, end)` ranges of `count` items split into `parts` documents whose sizes differ by at most one. */
function splitRanges(count: number, parts: number): [number, number][] {
  return Array.from({ length: parts }, (_, k) => [Math.floor((k * count) / parts), Math.floor(((k + 1) * count) / parts)]);
}

interface DataDocument {
  path: string;
  content: string;
  entries: number;
}

/** One plugin's serialized entries of a namespace as exactly `parts` documents. */
function documentsInParts(namespace: string, plugin: GeneratedPlugin, items: readonly string[], parts: number, options: DatasetOptions): DataDocument[] {
  const { declaration, sourceHeader } = PLUGINS[plugin];
  return splitRanges(items.length, parts).map(([start, end], part) => {
    const header =
      `Generated by bench/generate.ts (seed ${options.seed}): ${declaration.displayName} of namespace ${namespace}` +
      `${parts > 1 ? `, part ${part + 1} of ${parts}` : ''}, ${end - start} entries. Do not edit.`;
    return {
      path: dataPath(namespace, plugin, part, parts, options.format),
      content: assemble(options.format, yamlKeyOf(declaration), items.slice(start, end), header, sourceHeader ? `Generated ${declaration.displayName} of ${namespace}` : undefined),
      entries: end - start,
    };
  });
}

/**
 * One plugin's entries of a namespace as documents: `filesPerSource` of them, or with `auto` the
 * fewest that each stay within the document limit, so that a default run loads into a default server.
 */
function documentsOf(namespace: string, plugin: GeneratedPlugin, entries: readonly Entry[], options: DatasetOptions): DataDocument[] {
  const items = entries.map(options.format === 'json' ? jsonItem : yamlItem);
  if (options.filesPerSource !== 'auto') return documentsInParts(namespace, plugin, items, options.filesPerSource, options);
  const limit = options.maxDocumentBytes ?? DEFAULT_MAX_SOURCE_BYTES;
  const total = items.reduce((sum, item) => sum + Buffer.byteLength(item), 0);
  // No count below total/limit can fit, so the search starts there; it usually ends there too.
  for (let parts = Math.max(1, Math.ceil(total / limit)); ; parts++) {
    const documents = documentsInParts(namespace, plugin, items, parts, options);
    if (parts >= items.length || documents.every((document) => Buffer.byteLength(document.content) <= limit)) return documents;
  }
}

interface SourceDefinition {
  id: string;
  name: string;
  type: 'yaml';
  enabled: true;
  labels: string[];
  properties: { yamlCatalogPath: string };
}

/**
 * One namespace's CatalogSources document (spec 01 §4). Paths are relative: the server resolves
 * them against the directory of the `--sources` file for every namespace (04 §8.2), which is the
 * output directory.
 */
function sourcesDocument(namespace: string, sections: Map<string, SourceDefinition[]>, options: DatasetOptions, usage: string): string {
  const catalogs: Record<string, { sources: SourceDefinition[] }> = {};
  for (const [configKey, sources] of sections) catalogs[configKey] = { sources };
  const header = [
    `# Generated by bench/generate.ts (seed ${options.seed}): sources of namespace ${namespace}.`,
    `# ${usage}`,
    '# Relative paths resolve against the directory of the --sources file, whatever the namespace.',
  ].join('\n');
  return `${header}\n${toYaml({ apiVersion: 'catalog/v1alpha1', kind: 'CatalogSources', catalogs })}`;
}

/** Identities of every selected plugin of one namespace, drawn before any entry so that references can name them. */
function drawIdentities(options: DatasetOptions, namespace: string, plugins: readonly GeneratedPlugin[]): Map<GeneratedPlugin, Identity[]> {
  const identities = new Map<GeneratedPlugin, Identity[]>();
  for (const plugin of plugins) {
    const random = new Random(deriveSeed(options.seed, namespace, plugin, 'identities'));
    identities.set(plugin, Array.from({ length: options.perPlugin }, (_, i) => PLUGINS[plugin].generator.identity(random, i)));
  }
  return identities;
}

/**
 * Yields the dataset file by file, so a large run never holds more than one plugin's entries of one
 * namespace in memory. Data files come first, then `sources-<namespace>.yaml` for each namespace,
 * then `sources.yaml` (a copy of the first namespace's document for the usual single-namespace run).
 */
export function* datasetFiles(options: DatasetOptions): Generator<DatasetFile> {
  const plugins = GENERATED_PLUGINS.filter((plugin) => options.plugins.includes(plugin));
  const namespaces = namespaceNames(options.namespaces);
  let firstSources: Map<string, SourceDefinition[]> | undefined;
  for (const namespace of namespaces) {
    const identities = drawIdentities(options, namespace, plugins);
    const targets: Targets = {};
    for (const [plugin, list] of identities) if (list.length > 0) targets[plugin] = new NamePicker(list.map((identity) => identity.name));
    const sections = new Map<string, SourceDefinition[]>();

    for (const plugin of plugins) {
      const { generator, declaration } = PLUGINS[plugin];
      const random = new Random(deriveSeed(options.seed, namespace, plugin, 'entries'));
      const entries = identities.get(plugin)!.map(generator.entries(random, targets));
      const documents = documentsOf(namespace, plugin, entries, options);
      const sources: SourceDefinition[] = [];
      for (const [part, document] of documents.entries()) {
        yield document;
        const split = documents.length > 1;
        sources.push({
          id: split ? `bench-${plugin}-${part + 1}` : `bench-${plugin}`,
          name: `Generated ${declaration.displayName}${split ? ` (part ${part + 1} of ${documents.length})` : ''}`,
          type: 'yaml',
          enabled: true,
          labels: ['Benchmark'],
          properties: { yamlCatalogPath: document.path },
        });
      }
      sections.set(declaration.configKey ?? declaration.name, sources);
    }
    firstSources ??= sections;
    yield {
      path: `sources-${namespace}.yaml`,
      content: sourcesDocument(namespace, sections, options, `Namespace ${namespace}: e.g. <dir of --sources>/namespaces/${namespace}/sources.yaml (file store, spec 04 §8.1).`),
    };
  }
  yield {
    path: 'sources.yaml',
    content: sourcesDocument(namespaces[0], firstSources!, options, `Pass as --sources: the server loads it as namespace "default".`),
  };
}
