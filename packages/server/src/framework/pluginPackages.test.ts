import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import type { PluginDeclaration } from '@catalog/framework';
import { parse } from 'yaml';
import { loadBundledPlugins, REPOSITORY_ROOT } from '../bundledPlugins.js';
import { RESERVED_FIELDS } from '../ingest/validateEntries.js';

/**
 * The packaging checks every plugin folder gets, written once here instead of in each plugin's
 * tests: `plugin.yaml` agrees with the declaration and package.json (spec 02 §1.5), the samples live
 * in the plugin's `data/` folder (§10.2) and reuse no name of the reference samples (§10.1).
 * Loading the samples through the ingest path and their counts are sources/sampleData.test.ts.
 */

/** Names used by the reference design's samples (spec 02 §10.1); reusing any of them is a licensing problem. */
const FORBIDDEN_NAMES: ReadonlySet<string> = new Set([
  'customer-support-agent', 'code-review-agent', 'research-orchestrator', 'literature-review-agent',
  'pii-detector', 'prompt-injection-guard', 'content-safety-filter', 'kubernetes-mcp-server',
  'openshift-mcp-server', 'github-mcp-server', 'product-faq-vectordb', 'company-docs',
  'code-review-assistant', 'text-summarizer', 'model-access-control', 'data-residency', 'web-search',
  'k8s-pod-logs', 'acme-ai/neural-7b-instruct', 'certified/production-llm-8b',
  // The remaining agent names of the reference sample, kept out for the same reason.
  'query-router', 'code-executor', 'output-evaluator', 'data-analyst', 'meeting-assistant',
  'security-scanner', 'onboarding-guide',
]);

/** The fields of `plugin.yaml` this test reads (spec 02 §1.5). */
interface Manifest {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown };
  spec?: { displayName?: unknown; description?: unknown; version?: unknown; apiVersion?: unknown; providers?: unknown; package?: unknown };
}

interface PluginPackage {
  folder: string;
  dir: string;
  packageJson: { name: string; version: string };
  plugin: PluginDeclaration;
}

type Entry = Record<string, unknown>;

const pluginsDir = join(REPOSITORY_ROOT, 'plugins');
let packages: PluginPackage[];

before(async () => {
  // loadBundledPlugins returns one declaration per folder with a package.json, in folder order.
  const folders = readdirSync(pluginsDir).sort().filter((folder) => existsSync(join(pluginsDir, folder, 'package.json')));
  const plugins = await loadBundledPlugins();
  assert.equal(plugins.length, folders.length, 'one declaration per plugin folder');
  packages = folders.map((folder, index) => {
    const dir = join(pluginsDir, folder);
    const packageJson = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PluginPackage['packageJson'];
    return { folder, dir, packageJson, plugin: plugins[index] };
  });
  assert.ok(packages.length > 0, `no plugin folders under ${pluginsDir}`);
});

/** The sample entries of one kind as written in the plugin's data files, before any ingest step. */
function sampleEntries(plugin: PluginDeclaration, yamlKey: string): Entry[] {
  const dataDir = plugin.dataDir!;
  return readdirSync(dataDir)
    .filter((file) => /\.(ya?ml|json)$/.test(file))
    .sort()
    .flatMap((file) => {
      const list = (parse(readFileSync(join(dataDir, file), 'utf8')) as Entry | null)?.[yamlKey];
      // A file of a multi-kind plugin need not hold every kind; sampleData.test.ts checks the rest.
      return Array.isArray(list) ? (list as Entry[]) : [];
    });
}

test('every plugin folder has a plugin.yaml that agrees with its declaration and package.json (spec 02 §1.5)', () => {
  for (const { folder, dir, packageJson, plugin } of packages) {
    const file = join(dir, 'plugin.yaml');
    assert.ok(existsSync(file), `plugins/${folder} has no plugin.yaml`);
    const manifest = parse(readFileSync(file, 'utf8')) as Manifest;
    const where = `plugins/${folder}/plugin.yaml (plugin ${plugin.name})`;
    assert.equal(manifest.apiVersion, 'catalog.kubeflow.org/v1alpha1', `${where}: apiVersion`);
    assert.equal(manifest.kind, 'CatalogPlugin', `${where}: kind`);
    assert.equal(manifest.metadata?.name, plugin.name, `${where}: metadata.name differs from the declaration's name`);
    const spec = manifest.spec;
    assert.ok(spec, `${where}: no spec`);
    assert.equal(spec.displayName, plugin.displayName, `${where}: spec.displayName differs from the declaration`);
    assert.equal(spec.description, plugin.description, `${where}: spec.description differs from the declaration`);
    assert.equal(spec.apiVersion, plugin.version, `${where}: spec.apiVersion differs from the declaration's version`);
    assert.ok(Array.isArray(spec.providers), `${where}: spec.providers must be a list`);
    assert.deepEqual([...spec.providers].sort(), [...plugin.sourceTypes].sort(), `${where}: spec.providers differ from the declaration's sourceTypes`);
    assert.equal(spec.version, packageJson.version, `${where}: spec.version differs from package.json version`);
    assert.equal(spec.package, packageJson.name, `${where}: spec.package differs from package.json name`);
  }
});

test('every plugin reads its samples from its own data/ folder (spec 02 §10.2)', () => {
  for (const { folder, dir, plugin } of packages) {
    assert.equal(plugin.dataDir, join(dir, 'data'), `${plugin.name}: dataDir is not plugins/${folder}/data`);
  }
});

test('sample names are unique within each plugin and reuse no name of the reference samples (spec 02 §10.1)', () => {
  for (const { plugin } of packages) {
    for (const kind of plugin.entities) {
      const names = sampleEntries(plugin, kind.yamlKey ?? kind.plural).map((entry) => entry.name as string);
      assert.ok(names.length > 0, `${plugin.name}: no ${kind.kind} samples in ${plugin.dataDir}`);
      const duplicates = names.filter((name, index) => names.indexOf(name) !== index);
      assert.deepEqual(duplicates, [], `${plugin.name}: duplicate ${kind.kind} names in the sample`);
      const forbidden = names.filter((name) => FORBIDDEN_NAMES.has(name));
      assert.deepEqual(forbidden, [], `${plugin.name}: ${kind.kind} sample reuses names of the reference samples`);
    }
  }
});

test('sample entries carry no output-only field, which ingest would drop without a word (spec 02 §2.3)', () => {
  for (const { plugin } of packages) {
    for (const kind of plugin.entities) {
      for (const entry of sampleEntries(plugin, kind.yamlKey ?? kind.plural)) {
        const reserved = Object.keys(entry).filter((key) => RESERVED_FIELDS.has(key));
        assert.deepEqual(reserved, [], `${plugin.name}: sample ${kind.kind} ${String(entry.name)} sets output-only fields`);
      }
    }
  }
});

test('docs/sample-data.md states each plugin\'s count in its own section as in the summary table', () => {
  const doc = readFileSync(join(REPOSITORY_ROOT, 'docs', 'sample-data.md'), 'utf8');
  for (const { plugin } of packages) {
    const row = doc.split('\n').find((line) => line.startsWith(`| \`${plugin.name}\` |`));
    assert.ok(row, `docs/sample-data.md has no count row for ${plugin.name}`);
    const section = doc.split(/^## /m).find((s) => s.startsWith(`\`${plugin.name}\``));
    assert.ok(section, `docs/sample-data.md has no section "## \`${plugin.name}\`"`);
    const stated = /^- Entities: (\d+)$/m.exec(section);
    assert.ok(stated, `docs/sample-data.md: the ${plugin.name} section must state "- Entities: <n>"`);
    assert.equal(Number(stated[1]), Number(row.split('|').at(-2)!.trim()), `docs/sample-data.md: ${plugin.name} section count differs from the summary table`);
  }
});
