import assert from 'node:assert/strict';
import { test } from 'node:test';
import modelPlugin from '@catalog/plugin-model';
import { parseSourceDocument } from '../packages/server/src/ingest/parseDocument.js';
import { validateEntries } from '../packages/server/src/ingest/validateEntries.js';
import { generateModelDocument } from './generators/model.js';

test('generated model documents are deterministic and ingest without rejections', () => {
  const options = { count: 20, offset: 40, artifactsPerModel: 5, seed: 1 };
  const text = generateModelDocument(options);
  assert.equal(generateModelDocument(options), text);
  const parsed = parseSourceDocument(text, { file: 'models.json', maxBytes: 10 * 1024 * 1024, yamlKey: 'models' });
  assert.ok(parsed.ok);
  const result = validateEntries(modelPlugin.entities[0], parsed.entries, { file: 'models.json', yamlKey: 'models', includedItems: [], excludedItems: [] });
  assert.deepEqual(result.ingestErrors, []);
  assert.equal(result.accepted.length, 20);
  for (const { doc } of result.accepted) {
    const artifacts = doc.artifacts as { metricsType?: string }[];
    assert.equal(artifacts.length, 5);
    assert.equal(artifacts.filter((a) => a.metricsType === 'performance-metrics').length, 3);
  }
});
