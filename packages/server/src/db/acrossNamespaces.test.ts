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
 * namespace candidates of §1.6, and background work (job claiming and recovery, retention,
 * reconcile and initial load).
 */
const ALLOWED_IMPORTERS = new Set([
  'audit/auditRoutes.ts', // GET /api/audit/v1alpha1/events[/{id}] without a namespace (§1.7)
  'tenancy/namespacesRoute.ts', // the candidates of GET /api/tenancy/v1alpha1/namespaces (§1.6)
  'audit/AuditRetention.ts', // audit retention (§4.9)
  'jobs/JobWorkerPool.ts', // job claiming, requeue at shutdown, job gauges (§5.4)
  'jobs/JobMaintenance.ts', // stuck-job recovery and job retention (§5.7)
  'sources/config-stores/DbConfigStore.ts', // the namespaces reconcile and the initial load visit (04 §8.8)
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

test('every cross-namespace repository function is named …AcrossNamespaces and lives in this one module', () => {
  for (const name of Object.keys(acrossNamespaces)) assert.match(name, /AcrossNamespaces$/, name);
  const files = [...sourceFiles(SERVER_SRC), ...sourceFiles(join(REPOSITORY_ROOT, 'plugins'))];
  const elsewhere = files
    .filter((file) => /export (async )?function \w+AcrossNamespaces\b/.test(readFileSync(file, 'utf8')))
    .map((file) => relative(SERVER_SRC, file));
  assert.deepEqual(elsewhere, ['db/acrossNamespaces.ts']);
});

/** Static imports, re-exports and dynamic imports of the module, with either quote. */
const IMPORTS_ACROSS_NAMESPACES = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"][^'"]*\/acrossNamespaces(?:\.js)?['"]/;

/** The files (relative paths) that import the cross-namespace module without being on the allow-list. */
function importViolations(files: { path: string; source: string }[], allowed: ReadonlySet<string>): string[] {
  return files.filter((f) => IMPORTS_ACROSS_NAMESPACES.test(f.source) && !allowed.has(f.path)).map((f) => f.path);
}

test('the import check fails on a request handler importing a cross-namespace function (it can fail)', () => {
  const handler = (source: string) => [{ path: 'governance/http/approvalRoutes.ts', source }];
  for (const source of [
    "import { listAuditEventsAcrossNamespaces } from '../../db/acrossNamespaces.js';",
    'import { listJobsAcrossNamespaces } from "../../db/acrossNamespaces.js";',
    "export { listJobsAcrossNamespaces } from '../../db/acrossNamespaces.js';",
    "const { listJobsAcrossNamespaces } = await import('../../db/acrossNamespaces.js');",
    "import * as all from '../../db/acrossNamespaces';",
  ]) {
    assert.deepEqual(importViolations(handler(source), ALLOWED_IMPORTERS), ['governance/http/approvalRoutes.ts'], source);
  }
  assert.deepEqual(importViolations(handler("import { listJobs } from '../../jobs/listJobs.js';"), ALLOWED_IMPORTERS), []);
  assert.deepEqual(importViolations([{ path: 'audit/auditRoutes.ts', source: "import { x } from '../db/acrossNamespaces.js';" }], ALLOWED_IMPORTERS), []);
});

test('only the cluster-scope reads, the namespaces route and background work import the cross-namespace functions', () => {
  const files = [...sourceFiles(SERVER_SRC), ...sourceFiles(join(REPOSITORY_ROOT, 'plugins'))].map((file) => ({ path: relative(SERVER_SRC, file), source: readFileSync(file, 'utf8') }));
  assert.deepEqual(importViolations(files, ALLOWED_IMPORTERS), []);
  const importers = files.filter((f) => IMPORTS_ACROSS_NAMESPACES.test(f.source)).map((f) => f.path);
  // A stale entry would silently widen the list once a file of that name appears.
  assert.deepEqual([...ALLOWED_IMPORTERS].filter((file) => !importers.includes(file)), []);
  // The cross-namespace scope of the audit repository is built in that one module only.
  const builders = files.filter((f) => /acrossNamespaces: (?!readonly)/.test(f.source)).map((f) => f.path);
  assert.deepEqual(builders, ['db/acrossNamespaces.ts']);
});
