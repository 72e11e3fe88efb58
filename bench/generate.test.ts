import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { PluginDeclaration } from '@catalog/framework';
import agentsPlugin from '@catalog/plugin-agents';
import guardrailsPlugin from '@catalog/plugin-guardrails';
import knowledgePlugin from '@catalog/plugin-knowledge';
import mcpPlugin from '@catalog/plugin-mcp';
import modelPlugin from '@catalog/plugin-model';
import policiesPlugin from '@catalog/plugin-policies';
import promptsPlugin, { renderPromptTemplate, type PromptFormat } from '@catalog/plugin-prompts';
import skillsPlugin from '@catalog/plugin-skills';
import { extractLinks } from '../packages/server/src/framework/links.js';
import { parseSourceDocument } from '../packages/server/src/ingest/parseDocument.js';
import { validateEntries, type FirstDefinition } from '../packages/server/src/ingest/validateEntries.js';
import { parseYamlSubset } from '../packages/server/src/ingest/yamlSubset.js';
import {
  datasetFiles,
  GENERATED_PLUGINS,
  generateMcpServers,
  parseOptions,
  UsageError,
  writeDataset,
  type DatasetOptions,
  type GeneratedPlugin,
} from './generate.js';

/**
 * Spec 02 §10.8: the generated datasets load through the server's real ingest path with zero
 * rejections, are deterministic, split and serialize as asked, and reference only generated entities.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAX_BYTES = 10 * 1024 * 1024;
const DECLARATIONS: Record<GeneratedPlugin, PluginDeclaration> = {
  model: modelPlugin,
  mcp: mcpPlugin,
  knowledge: knowledgePlugin,
  prompts: promptsPlugin,
  agents: agentsPlugin,
  guardrails: guardrailsPlugin,
  policies: policiesPlugin,
  skills: skillsPlugin,
};
const BY_CONFIG_KEY = new Map(GENERATED_PLUGINS.map((plugin) => [DECLARATIONS[plugin].configKey ?? plugin, plugin]));
const PER_PLUGIN = 200;
const BASE: DatasetOptions = { plugins: GENERATED_PLUGINS, perPlugin: PER_PLUGIN, namespaces: 2, seed: 7, filesPerSource: 1, format: 'yaml' };

type Doc = Record<string, unknown>;
interface LoadedEntity {
  name: string;
  doc: Doc;
}

function yamlKeyOf(plugin: GeneratedPlugin): string {
  const kind = DECLARATIONS[plugin].entities[0];
  return kind.yamlKey ?? kind.plural;
}

/** Parses and validates one document exactly as a refresh does; fails on any rejection. */
function ingest(plugin: GeneratedPlugin, file: string, text: string, seenNames?: Map<string, FirstDefinition>): LoadedEntity[] {
  const kind = DECLARATIONS[plugin].entities[0];
  const yamlKey = yamlKeyOf(plugin);
  const parsed = parseSourceDocument(text, { file, maxBytes: MAX_BYTES, yamlKey });
  assert.ok(parsed.ok, `${file}: ${parsed.ok ? '' : parsed.error.message}`);
  const result = validateEntries(kind, parsed.entries, { file, yamlKey, includedItems: [], excludedItems: [], seenNames });
  assert.deepEqual(result.ingestErrors, [], `${file} has rejected entries`);
  assert.equal(result.rejectedCount, 0);
  return result.accepted.map((entry) => ({ name: entry.name, doc: entry.doc }));
}

function inMemory(options: DatasetOptions): Map<string, string> {
  return new Map([...datasetFiles(options)].map((file) => [file.path, file.content]));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => statSync(join(dir, path)).isFile())
    .map((path) => path.split('\\').join('/'))
    .sort();
}

interface SourceEntry {
  id: string;
  properties: { yamlCatalogPath: string };
}

/** The sources of a CatalogSources document, by plugin. */
function sourcesOf(text: string): Map<GeneratedPlugin, SourceEntry[]> {
  const document = parse(text) as { catalogs: Record<string, { sources: SourceEntry[] }> };
  const sections = new Map<GeneratedPlugin, SourceEntry[]>();
  for (const [configKey, section] of Object.entries(document.catalogs)) {
    const plugin = BY_CONFIG_KEY.get(configKey);
    assert.ok(plugin, `unknown catalog section ${configKey}`);
    sections.set(plugin, section.sources);
  }
  return sections;
}

/** Enum-typed locations of a schema, e.g. `agentType`, `modalities[]`, `guardrails[].enforcementMode`. */
function enumFields(schema: Doc, prefix = ''): { path: string; values: string[] }[] {
  const fields: { path: string; values: string[] }[] = [];
  const visit = (node: Doc, path: string): void => {
    if (Array.isArray(node.enum)) fields.push({ path, values: node.enum as string[] });
    else if (node.type === 'array' && node.items) visit(node.items as Doc, `${path}[]`);
    else if (node.type === 'object' && node.properties) {
      for (const [key, child] of Object.entries(node.properties as Record<string, Doc>)) visit(child, `${path}.${key}`);
    }
  };
  for (const [key, child] of Object.entries(schema.properties as Record<string, Doc>)) visit(child, prefix + key);
  return fields;
}

/** Every value at a path of `enumFields`, fanning out over arrays. */
function valuesAt(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const segment of path.split('.')) {
    const array = segment.endsWith('[]');
    const key = array ? segment.slice(0, -2) : segment;
    current = current.flatMap((item) => {
      const next = item !== null && typeof item === 'object' ? (item as Doc)[key] : undefined;
      if (next === undefined) return [];
      return array ? (Array.isArray(next) ? next : []) : [next];
    });
  }
  return current;
}

describe('bench:generate at 200 entities per plugin, two namespaces, seed 7', () => {
  let out: string;
  /** namespace → plugin → entities, loaded through the sources configuration of that namespace. */
  const loaded = new Map<string, Map<GeneratedPlugin, LoadedEntity[]>>();

  before(() => {
    out = mkdtempSync(join(tmpdir(), 'bench-generate-'));
    writeDataset(out, BASE);
    for (const namespace of ['bench-1', 'bench-2']) {
      const plugins = new Map<GeneratedPlugin, LoadedEntity[]>();
      for (const [plugin, sources] of sourcesOf(readFileSync(join(out, `sources-${namespace}.yaml`), 'utf8'))) {
        const entities: LoadedEntity[] = [];
        for (const source of sources) {
          const path = source.properties.yamlCatalogPath;
          entities.push(...ingest(plugin, path, readFileSync(join(out, path), 'utf8')));
        }
        plugins.set(plugin, entities);
      }
      loaded.set(namespace, plugins);
    }
  });

  after(() => rmSync(out, { recursive: true, force: true }));

  test('every document ingests through the real ingest path with zero rejections', () => {
    for (const [namespace, plugins] of loaded) {
      assert.deepEqual([...plugins.keys()], [...GENERATED_PLUGINS], namespace);
      for (const [plugin, entities] of plugins) assert.equal(entities.length, PER_PLUGIN, `${namespace}/${plugin}`);
    }
  });

  test('the sources configurations use relative paths and cover every data file exactly once', () => {
    const referenced: string[] = [];
    for (const namespace of ['bench-1', 'bench-2']) {
      for (const [plugin, sources] of sourcesOf(readFileSync(join(out, `sources-${namespace}.yaml`), 'utf8'))) {
        for (const source of sources) {
          assert.match(source.id, /^[a-z0-9][a-z0-9_-]*$/);
          assert.ok(source.properties.yamlCatalogPath.startsWith(`${namespace}/${plugin}/`), source.properties.yamlCatalogPath);
          referenced.push(source.properties.yamlCatalogPath);
        }
      }
    }
    const dataFiles = filesUnder(out).filter((path) => path.startsWith('bench-'));
    assert.deepEqual(referenced.sort(), dataFiles);
    // sources.yaml is the first namespace's document, for use as --sources (namespace "default").
    assert.deepEqual(parse(readFileSync(join(out, 'sources.yaml'), 'utf8')), parse(readFileSync(join(out, 'sources-bench-1.yaml'), 'utf8')));
  });

  test('YAML documents stay inside the fast subset reader, so ingest of large datasets stays fast', () => {
    for (const path of filesUnder(out).filter((p) => p.startsWith('bench-'))) {
      const plugin = path.split('/')[1] as GeneratedPlugin;
      const result = parseYamlSubset(readFileSync(join(out, path), 'utf8'), yamlKeyOf(plugin), 64);
      assert.ok(result && 'entries' in result && result.entries.length === PER_PLUGIN, `${path} falls back to the slow parser`);
    }
  });

  test('names are unique, and references point only at generated entities of the same namespace', () => {
    for (const [namespace, plugins] of loaded) {
      const names = new Map([...plugins].map(([plugin, entities]) => [plugin, new Set(entities.map((e) => e.name))]));
      for (const [plugin, set] of names) assert.equal(set.size, PER_PLUGIN, `${namespace}/${plugin} has duplicate names`);
      for (const [plugin, entities] of plugins) {
        const references = DECLARATIONS[plugin].entities[0].references;
        for (const { name, doc } of entities) {
          for (const link of extractLinks(references, doc)) {
            assert.ok(names.get(link.plugin as GeneratedPlugin)?.has(link.name), `${namespace}/${plugin}/${name} ${link.field} -> ${link.plugin}/${link.name}`);
            if (link.plugin === 'agents') assert.notEqual(link.name, name);
          }
        }
      }
    }
  });

  test('about 30 % of agents and of skills reference other entities, and every agent reference field is used', () => {
    const agents = loaded.get('bench-1')!.get('agents')!;
    const skills = loaded.get('bench-1')!.get('skills')!;
    for (const [plugin, entities] of [['agents', agents], ['skills', skills]] as const) {
      const references = DECLARATIONS[plugin].entities[0].references;
      const share = entities.filter(({ doc }) => extractLinks(references, doc).length > 0).length / entities.length;
      assert.ok(share >= 0.2 && share <= 0.4, `${plugin}: ${(share * 100).toFixed(0)} % carry references`);
    }
    const fields = new Set(agents.flatMap(({ doc }) => extractLinks(agentsPlugin.entities[0].references, doc).map((l) => l.field.replace(/\[\d+\]/g, '[]'))));
    const expected = agentsPlugin.entities[0].references!.filter((r) => r.plugin !== 'model').map((r) => r.field);
    assert.deepEqual([...fields].sort(), [...expected].sort());
  });

  test('every enum value appears, with a skewed distribution', () => {
    for (const [plugin, entities] of loaded.get('bench-1')!) {
      for (const { path, values } of enumFields(DECLARATIONS[plugin].entities[0].schema as unknown as Doc)) {
        const counts = new Map(values.map((value) => [value, 0]));
        for (const { doc } of entities) for (const value of valuesAt(doc, path)) counts.set(value as string, counts.get(value as string)! + 1);
        const missing = values.filter((value) => counts.get(value) === 0);
        assert.deepEqual(missing, [], `${plugin} ${path} never uses ${missing.join(', ')}`);
        const sorted = [...counts.values()].sort((a, b) => a - b);
        // Zipf: the commonest value is drawn at least twice as often as the rarest (n ≥ 3), or more often (n = 2).
        const factor = values.length >= 3 ? 2 : 1;
        assert.ok(sorted.at(-1)! > factor * sorted[0], `${plugin} ${path} is not skewed: ${JSON.stringify(Object.fromEntries(counts))}`);
      }
    }
  });

  test('every top-level field of every schema is set on some entity', () => {
    for (const [plugin, entities] of loaded.get('bench-1')!) {
      const properties = Object.keys((DECLARATIONS[plugin].entities[0].schema as unknown as Doc).properties as Doc);
      const unused = properties.filter((key) => !entities.some(({ doc }) => Object.hasOwn(doc, key)));
      assert.deepEqual(unused, [], `${plugin} never sets ${unused.join(', ')}`);
    }
  });

  test('texts have realistic lengths', () => {
    const lengths = (plugin: GeneratedPlugin, field: string) =>
      loaded.get('bench-1')!.get(plugin)!.flatMap(({ doc }) => (typeof doc[field] === 'string' ? [(doc[field] as string).length] : []));
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    for (const plugin of GENERATED_PLUGINS) {
      const descriptions = lengths(plugin, 'description');
      assert.ok(Math.min(...descriptions) >= 40 && Math.max(...descriptions) <= 1000, `${plugin} description lengths`);
      assert.ok(mean(descriptions) >= 80 && mean(descriptions) <= 400, `${plugin} mean description length ${mean(descriptions)}`);
    }
    const instructions = lengths('agents', 'instructions');
    assert.ok(mean(instructions) >= 300 && Math.max(...instructions) <= 4000, `mean instructions length ${mean(instructions)}`);
    const templates = lengths('prompts', 'template');
    assert.ok(mean(templates) >= 200 && Math.max(...templates) <= 4000, `mean template length ${mean(templates)}`);
  });

  test('every prompt template renders with only its required input', () => {
    for (const { name, doc } of loaded.get('bench-1')!.get('prompts')!) {
      const input = doc.format === 'chat_messages' ? { question: 'Where is my order?' } : { context: 'Record 42 is overdue.' };
      const prompt = doc as { format: PromptFormat; template: string; parametersSchema?: Record<string, unknown> };
      assert.doesNotThrow(() => renderPromptTemplate(prompt, input), name);
    }
  });

  test('model documents name their catalog in source (spec 03 §4.1) and hold models with valid artifacts', () => {
    const text = readFileSync(join(out, 'bench-1/model/models.yaml'), 'utf8');
    assert.equal((parse(text) as Doc).source, 'Generated Models of bench-1');
    const models = loaded.get('bench-1')!.get('model')!;
    const artifacts = models.flatMap(({ doc }) => (doc.artifacts as { artifactType: string; metricsType?: string }[] | undefined) ?? []);
    assert.ok(models.some(({ doc }) => doc.artifacts === undefined), 'some models have no artifacts');
    for (const type of ['model-artifact', 'performance-metrics', 'accuracy-metrics']) {
      assert.ok(artifacts.some((a) => a.artifactType === type || a.metricsType === type), type);
    }
    for (const { name } of models) assert.match(name, /^[a-z]+\/[a-z]+-[a-z]+-\d+$/);
  });

  test('the same seed gives byte-identical output, another seed different output', () => {
    const again = mkdtempSync(join(tmpdir(), 'bench-generate-again-'));
    try {
      writeDataset(again, parseOptions(['--per-plugin', String(PER_PLUGIN), '--namespaces', '2', '--seed', '7', '--out', again]));
      assert.deepEqual(filesUnder(again), filesUnder(out));
      for (const path of filesUnder(out)) assert.ok(readFileSync(join(again, path)).equals(readFileSync(join(out, path))), `${path} differs`);
    } finally {
      rmSync(again, { recursive: true, force: true });
    }
    const other = inMemory({ ...BASE, seed: 8 });
    for (const path of filesUnder(out)) assert.notEqual(other.get(path), readFileSync(join(out, path), 'utf8'), `${path} is the same for seeds 7 and 8`);
  });
});

describe('bench:generate options', () => {
  test('--files-per-source 3 splits every plugin into three documents of the same entities', () => {
    const options: DatasetOptions = { ...BASE, namespaces: 1, filesPerSource: 3 };
    const split = inMemory(options);
    const whole = inMemory({ ...options, filesPerSource: 1 });
    const sources = sourcesOf(split.get('sources.yaml')!);
    for (const plugin of GENERATED_PLUGINS) {
      const parts = sources.get(plugin)!;
      assert.deepEqual(parts.map((s) => s.id), [1, 2, 3].map((k) => `bench-${plugin}-${k}`));
      // One shared name map, as a git source reading the three files would use: no duplicates across them.
      const seen = new Map<string, FirstDefinition>();
      const entities = parts.flatMap((s) => ingest(plugin, s.properties.yamlCatalogPath, split.get(s.properties.yamlCatalogPath)!, seen));
      assert.deepEqual(parts.map((s) => (parse(split.get(s.properties.yamlCatalogPath)!) as Doc)[yamlKeyOf(plugin)] as unknown[]).map((l) => l.length), [66, 67, 67]);
      const unsplit = ingest(plugin, 'whole', whole.get(`bench-1/${plugin}/${yamlKeyOf(plugin)}.yaml`)!);
      assert.deepEqual(entities, unsplit, `${plugin}: splitting changed the entities`);
    }
  });

  test('--files-per-source auto keeps one document per plugin unless it would exceed the document limit', () => {
    const options: DatasetOptions = { ...BASE, namespaces: 1, filesPerSource: 'auto' };
    const single = inMemory(options);
    for (const plugin of GENERATED_PLUGINS) assert.ok(single.has(`bench-1/${plugin}/${yamlKeyOf(plugin)}.yaml`), plugin);
    // The same rule with a small limit: every document fits, and together they hold every entity once.
    const limit = 60_000;
    const split = inMemory({ ...options, maxDocumentBytes: limit });
    for (const [plugin, sources] of sourcesOf(split.get('sources.yaml')!)) {
      const seen = new Map<string, FirstDefinition>();
      let count = 0;
      for (const { properties } of sources) {
        const text = split.get(properties.yamlCatalogPath)!;
        assert.ok(Buffer.byteLength(text) <= limit, `${properties.yamlCatalogPath} is over the limit`);
        count += ingest(plugin, properties.yamlCatalogPath, text, seen).length;
      }
      assert.equal(count, PER_PLUGIN, plugin);
      assert.ok(sources.length > 1, `${plugin} was not split`);
    }
  });

  test('--format json writes JSON documents with the same entries as YAML', () => {
    const options: DatasetOptions = { ...BASE, namespaces: 1 };
    const json = inMemory({ ...options, format: 'json' });
    const yaml = inMemory(options);
    for (const plugin of GENERATED_PLUGINS) {
      const path = `bench-1/${plugin}/${yamlKeyOf(plugin)}`;
      const text = json.get(`${path}.json`)!;
      assert.deepEqual(JSON.parse(text), parse(yaml.get(`${path}.yaml`)!), plugin);
      assert.equal(ingest(plugin, `${path}.json`, text).length, PER_PLUGIN);
    }
    assert.match(sourcesOf(json.get('sources.yaml')!).get('mcp')![0].properties.yamlCatalogPath, /\.json$/);
  });

  test('references name only plugins that are being generated', () => {
    const files = inMemory({ ...BASE, namespaces: 1, plugins: ['skills', 'agents'] });
    assert.deepEqual([...files.keys()].sort(), ['bench-1/agents/agents.yaml', 'bench-1/skills/skills.yaml', 'sources-bench-1.yaml', 'sources.yaml']);
    const skills = ingest('skills', 'skills', files.get('bench-1/skills/skills.yaml')!);
    assert.equal(skills.flatMap(({ doc }) => extractLinks(skillsPlugin.entities[0].references, doc)).length, 0);
    const agents = ingest('agents', 'agents', files.get('bench-1/agents/agents.yaml')!);
    const targets = new Set(agents.flatMap(({ doc }) => extractLinks(agentsPlugin.entities[0].references, doc).map((l) => l.plugin)));
    assert.deepEqual([...targets].sort(), ['agents', 'skills']);
  });

  test('a plugin generates the same data whichever other plugins are selected, unless it references them', () => {
    const all = inMemory({ ...BASE, namespaces: 1, perPlugin: 30 });
    const alone = inMemory({ ...BASE, namespaces: 1, perPlugin: 30, plugins: ['policies'] });
    assert.equal(alone.get('bench-1/policies/policies.yaml'), all.get('bench-1/policies/policies.yaml'));
  });

  test('defaults, and refusals of unknown plugins and bad values', () => {
    assert.deepEqual(parseOptions([]), {
      plugins: [...GENERATED_PLUGINS], perPlugin: 10000, namespaces: 1, seed: 1, out: 'out', filesPerSource: 'auto', format: 'yaml', help: false,
    });
    assert.deepEqual(parseOptions(['--plugins', ' skills , mcp,skills']).plugins, ['skills', 'mcp']);
    assert.equal(parseOptions(['--files-per-source', '4']).filesPerSource, 4);
    assert.deepEqual(parseOptions(['--plugins', 'model']).plugins, ['model']);
    assert.throws(() => parseOptions(['--plugins', 'mcp,models']), /unknown plugin "models"/);
    for (const argv of [['--per-plugin', '-1'], ['--per-plugin', '1e3'], ['--namespaces', '0'], ['--seed', 'x'], ['--format', 'xml'],
      ['--files-per-source', '0'], ['--per-plugin', '2', '--files-per-source', '3'], ['--plugins', ','], ['--bogus'], ['extra']]) {
      assert.throws(() => parseOptions(argv), UsageError, argv.join(' '));
    }
  });

  test('generateMcpServers, the fixed dataset of the list benchmark, never changes for a seed', () => {
    const digest = (count: number, seed: number) => createHash('sha256').update(JSON.stringify(generateMcpServers(count, seed))).digest('hex');
    assert.equal(digest(100, 1), '608cf29dd636c8a19ab14001ffad2eb77da141f56df982dab5f9d091b80300f2');
    assert.equal(digest(20, 7), '725b4b0c78ff936401966112dd31e35524eb089e02b81fc878fd6a33fe2481b0');
    assert.equal(digest(10000, 1), '5996e61b3723b74af3b8f2b06456e1b057b8b54dfd76abea2e633258120e38fa');
  });

  test('the npm script entry point writes the dataset and refuses an unknown plugin with exit code 2', () => {
    const out = mkdtempSync(join(tmpdir(), 'bench-generate-cli-'));
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), '--conditions=source', 'generate.ts', ...args], {
        cwd: join(ROOT, 'bench'),
        encoding: 'utf8',
      });
    try {
      const ok = run('--per-plugin', '5', '--plugins', 'mcp,skills', '--out', out);
      assert.equal(ok.status, 0, ok.stderr);
      assert.match(ok.stdout, /^wrote 10 entities /);
      assert.deepEqual(filesUnder(out), ['bench-1/mcp/mcpservers.yaml', 'bench-1/skills/skills.yaml', 'sources-bench-1.yaml', 'sources.yaml']);
      const refused = run('--plugins', 'models', '--out', out);
      assert.equal(refused.status, 2);
      assert.match(refused.stderr, /unknown plugin "models"/);
      const help = run('--help');
      assert.equal(help.status, 0);
      assert.match(help.stdout, /default: all eight: model,mcp,/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
