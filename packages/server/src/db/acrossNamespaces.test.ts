import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { REPOSITORY_ROOT } from '../bundledPlugins.js';
import * as acrossNamespaces from './acrossNamespaces.js';

const SERVER_SRC = fileURLToPath(new URL('..', import.meta.url));

/**
 * Who may read or write across namespaces (spec 05 §1.8): the cluster-scope reads of §1.7, the
 * namespace candidates of §1.6, and background work (retention). Job claiming and reconcile join
 * this list when they land.
 */
const ALLOWED_IMPORTERS = new Set([
  'audit/auditRoutes.ts', // GET /api/audit/v1alpha1/events[/{id}] without a namespace (§1.7)
  'tenancy/namespacesRoute.ts', // the candidates of GET /api/tenancy/v1alpha1/namespaces (§1.6)
  'audit/AuditRetention.ts', // retention (§4.9), not a request handler
  'sources/loadConfiguration.ts', // initial load of every namespace's configuration (04), at startup
]);

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) sourceFiles(full, out);
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

test('every cross-namespace repository function is named …AcrossNamespaces', () => {
  for (const name of Object.keys(acrossNamespaces)) assert.match(name, /AcrossNamespaces$/, name);
});

test('no request handler imports the cross-namespace functions except the cluster-scope reads and the namespaces route', () => {
  const files = [...sourceFiles(SERVER_SRC), ...sourceFiles(join(REPOSITORY_ROOT, 'plugins'))];
  const importers = files
    .filter((file) => /from '[^']*\/acrossNamespaces\.js'/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(SERVER_SRC, file));
  assert.deepEqual(importers.filter((file) => !ALLOWED_IMPORTERS.has(file)), []);
  // The cross-namespace scope of the audit repository is built in that one module only.
  const builders = files.filter((file) => /acrossNamespaces: (?!readonly)/.test(readFileSync(file, 'utf8'))).map((file) => relative(SERVER_SRC, file));
  assert.deepEqual(builders, ['db/acrossNamespaces.ts']);
});
