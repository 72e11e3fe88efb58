#!/usr/bin/env node
// Runs every *.test.ts of the workspaces with node:test through tsx, from source (the `source`
// export condition), so `npm test` needs no build. Extra arguments narrow the file list
// (substring match), e.g. `npm test -- query/`, and skip the type check.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages', 'plugins', 'bench'];
const skip = new Set(['node_modules', 'dist', 'data-tmp']);

function collect(dir, out) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) collect(full, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, full));
  }
  return out;
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((r) => collect(join(root, r), []))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
// A full run first type-checks the whole tree, tests and benchmarks included (the build covers
// only shipped code, and tsx strips types without checking them).
if (filters.length === 0) {
  const typecheck = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.tests.json')], { stdio: 'inherit', cwd: root });
  if (typecheck.status !== 0) {
    console.error('type check failed (npm run typecheck)');
    process.exit(typecheck.status ?? 1);
  }
}
const result = spawnSync(
  process.execPath,
  [join(root, 'node_modules/tsx/dist/cli.mjs'), '--conditions=source', '--test', '--test-concurrency=3', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
