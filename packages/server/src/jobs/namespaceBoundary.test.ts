import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * Spec 05 §1.8: the job functions that read or write across namespaces are used only by background
 * work (workers, maintenance), never by a request handler.
 */
const SRC = join(dirname(fileURLToPath(import.meta.url)), '..');
const ALLOWED = new Set(['jobs/JobWorkerPool.ts', 'jobs/JobMaintenance.ts']);

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : [];
  });
}

test('only job workers and maintenance import the cross-namespace job functions', () => {
  const importers = sources(SRC)
    .filter((file) => /from '[./]*(jobs\/)?jobsAcrossNamespaces\.js'/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(SRC, file));
  assert.ok(importers.length > 0);
  for (const file of importers) assert.ok(ALLOWED.has(file), `${file} imports jobsAcrossNamespaces`);
});
