import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { CommonEntityFields, definePlugin } from '@catalog/framework';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { PluginRegistry } from '../../framework/PluginRegistry.js';
import { createSecretResolver } from '../../providers/secretRefs.js';
import { prepareSource, type SourceValidatorDeps } from './validateSource.js';

const widgets = definePlugin({
  name: 'widgets', version: 'v1alpha1', displayName: 'Widgets', description: 'Widgets', icon: 'cube', sourceTypes: ['yaml', 'http'],
  entities: [{
    kind: 'Widget', plural: 'widgets', displayName: 'Widget', description: 'A widget', notFoundPhrase: 'widget',
    schema: Type.Object({ ...CommonEntityFields, size: Type.Integer() }, { additionalProperties: false }),
    fields: { columns: [], filterFields: [], detailFields: [] }, uiHints: { icon: 'cube', nameField: 'name', detailSections: [] }, cliDefaultColumns: ['name'],
  }],
});
const plugin = new PluginRegistry([widgets], pino({ level: 'silent' }), () => undefined).get('widgets')!;
const dir = mkdtempSync(join(tmpdir(), 'validate-'));
writeFileSync(join(dir, 'w.yaml'), 'widgets: []\n');
const deps: SourceValidatorDeps = {
  fetchContext: { baseDir: dir, dataRoots: [dir], maxBytes: 1000 },
  git: { allowedSchemes: ['https', 'file'], timeoutSeconds: 5 },
  httpTimeoutSeconds: 5,
  resolveSecret: createSecretResolver({ env: {}, secretsDir: null }),
};
const validate = (body: Record<string, unknown>, extra: Partial<Parameters<typeof prepareSource>[1]> = {}) =>
  prepareSource(body, { plugin, namespace: 'default', ...extra }, deps);
const messages = (errors: { message: string }[]) => errors.map((e) => e.message);

describe('validation pipeline', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('content: too many aliases, a missing data key, item errors with 1-based index and pointer', async () => {
    const aliases = `a: &x 1\nb: [${Array.from({ length: 101 }, () => '*x').join(', ')}]\n`;
    const tooMany = await validate({ id: 'w', name: 'W', type: 'yaml', properties: { content: aliases } });
    assert.match(tooMany.result.errors[0].message, /^YAML parse error: too many aliases \(maximum 100\) at line 2, column \d+$/);
    const noKey = await validate({ id: 'w', name: 'W', type: 'yaml', properties: { content: 'gadgets: []\n' } });
    assert.deepEqual(messages(noKey.result.errors), ['missing top-level key "widgets"']);
    const items = await validate({ id: 'w', name: 'W', type: 'yaml', properties: { content: 'widgets:\n  - {name: a, size: 1}\n  - {name: b, size: big}\n  - {size: 2}\n' } });
    assert.equal(items.result.errors.length, 2);
    assert.match(items.result.errors[0].message, /^item 2 \("b"\) at \/size: /);
    assert.match(items.result.errors[1].message, /^item 3 \("unnamed"\) at /);
    const notString = await validate({ id: 'w', name: 'W', type: 'yaml', properties: { content: 5 } });
    assert.deepEqual(messages(notString.result.errors), ['content must be a string']);
  });

  test('merge with the stored source: omitted fields kept, placeholder restored, managedContent guarded', async () => {
    const stored = { id: 'w', name: 'Stored', type: 'http', enabled: false, labels: ['x'], properties: { url: 'https://h.test/w.yaml', headers: { 'X-Api-Key': 'k' } }, includedItems: ['a*'], excludedItems: [] };
    const merged = await validate({ id: 'w', properties: { url: 'https://h.test/w.yaml', headers: { 'X-Api-Key': '***REDACTED***' } } }, { stored });
    assert.equal(merged.result.valid, true, JSON.stringify(merged.result.errors));
    assert.deepEqual(merged.snapshot, { ...stored, properties: { url: 'https://h.test/w.yaml', headers: { 'X-Api-Key': 'k' } } });
    assert.deepEqual(merged.result.warnings.map((w) => w.field), ['properties.headers.X-Api-Key']);
    const guarded = await validate({ id: 'w', name: 'W', type: 'yaml', properties: { managedContent: 'sha256:00' } });
    assert.deepEqual(messages(guarded.result.errors), ['managedContent is set by the server and cannot be changed']);
    const content = await validate({ id: 'w', properties: { url: 'https://h.test/w.yaml', content: 'widgets: []\n' } }, { stored });
    assert.deepEqual(messages(content.result.errors), ['content is only supported for yaml sources']);
  });

  test('http properties, plain HTTP warning, glob overlap warning, syncInterval', async () => {
    const plain = await validate({ id: 'w', name: 'W', type: 'http', includedItems: ['a'], excludedItems: ['a'], properties: { url: 'http://h.test/x', syncInterval: '5s' } });
    assert.deepEqual(messages(plain.result.warnings), ['property "url" uses plain HTTP; consider HTTPS', 'pattern "a" is both included and excluded; exclude wins']);
    assert.deepEqual(messages(plain.result.errors), ['invalid duration "5s" for syncInterval']);
    const creds = await validate({ id: 'w', name: 'W', type: 'http', properties: { url: 'https://u:p@h.test/x' } });
    assert.deepEqual(messages(creds.result.errors), ['url must not contain credentials; use headers with a secret reference']);
    const secret = await validate({ id: 'w', name: 'W', type: 'http', properties: { url: 'https://h.test/x', authToken: { file: 't' } } });
    assert.deepEqual(messages(secret.result.errors), ['failed to resolve secret for property "authToken": file secret references are disabled (CATALOG_SECRETS_DIR is not set)']);
    const file = await validate({ id: 'w', name: 'W', type: 'yaml', properties: { yamlCatalogPath: 'missing.yaml' } });
    assert.deepEqual(messages(file.result.errors), ['file not found: missing.yaml']);
    const ok = await validate({ id: 'w', name: 'W', type: 'yaml', properties: { yamlCatalogPath: 'w.yaml' } });
    assert.equal(ok.result.valid, true);
  });
});
