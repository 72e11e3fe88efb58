import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import mcp from '@catalog/plugin-mcp';
import { RegisteredPlugin } from '../framework/PluginRegistry.js';
import { ingestDocuments, IngestFailure, type IngestInput } from './ingestDocuments.js';
import { IngestWorkerPool } from './IngestWorkerPool.js';

const MODULE = '@catalog/plugin-mcp';
const plugin = new RegisteredPlugin(mcp);
const scratch = mkdtempSync(join(tmpdir(), 'ingest-pool-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function server(i: number): string {
  return [
    `  - name: server-${String(i).padStart(5, '0')}`,
    `    description: Server number ${i} of the worker test.`,
    `    serverUrl: https://s${i}.example.com/mcp`,
    '    transportType: streamable-http',
    '    deploymentMode: remote',
    `    toolCount: ${i % 17}`,
  ].join('\n');
}

function input(text: string, overrides: Partial<IngestInput> = {}): IngestInput {
  return {
    documents: [{ file: 'servers.yaml', text, provenance: { path: 'servers.yaml' } }],
    failedDocuments: [], failedItems: [], includedItems: [], excludedItems: [],
    maxBytes: 64 * 1024 * 1024, maxItemsPerSource: 100_000, ...overrides,
  };
}

function document(count: number, extra = ''): string {
  return `mcpservers:\n${Array.from({ length: count }, (_, i) => server(i)).join('\n')}\n${extra}`;
}

/** Counts how often a 1 ms timer runs on this thread while `work` is pending. */
async function timerTicksDuring<T>(work: () => Promise<T>): Promise<{ ticks: number; value: T }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  try {
    const value = await work();
    return { ticks, value };
  } finally {
    clearInterval(timer);
  }
}

test('the worker returns exactly what ingest on this thread returns, rejections included', async () => {
  const pool = new IngestWorkerPool({ moduleOf: () => MODULE, size: 1 });
  try {
    const bad = '  - name: Not A Valid Name\n    description: rejected\n    serverUrl: https://x.example.com\n  - description: no name at all\n';
    const text = document(1200, bad);
    const request = input(text, { excludedItems: ['server-0000*'], failedItems: [{ file: 'remote', name: 'lost', message: 'not fetched' }] });
    const inWorker = await pool.ingest(plugin, request);
    const here = ingestDocuments(plugin.kinds, request);
    assert.deepEqual(inWorker, here);
    const [[kind, entities]] = inWorker.perKind;
    assert.equal(kind, 'McpServer');
    assert.equal(entities.length, 1200 - 10, 'ten names match the exclusion');
    assert.equal(inWorker.rejectedCount, 3);
    assert.deepEqual(inWorker.rejections.map((r) => r.file), ['remote', 'servers.yaml', 'servers.yaml']);
    // Prepared in the worker: serialized rows with their content digest.
    assert.match(entities[0].digest, /^[0-9a-f]{64}$/);
    assert.equal(JSON.parse(entities[0].doc).name, 'server-00010');
  } finally {
    await pool.close();
  }
});

test('ingest in the worker leaves this thread free; on this thread it holds it', async () => {
  const pool = new IngestWorkerPool({ moduleOf: () => MODULE, size: 1 });
  const inline = new IngestWorkerPool({ moduleOf: () => undefined });
  try {
    const request = input(document(20_000));
    await pool.ingest(plugin, input(document(10))); // the worker is started and has imported the plugin
    const worker = await timerTicksDuring(() => pool.ingest(plugin, request));
    const here = await timerTicksDuring(() => inline.ingest(plugin, request));
    assert.equal(worker.value.perKind[0][1].length, 20_000);
    assert.deepEqual(worker.value, here.value);
    assert.equal(here.ticks, 0, 'a declaration without a package is ingested on this thread, in one piece');
    assert.ok(worker.ticks >= 3, `timers ran ${worker.ticks} times while the worker ingested 20,000 entries`);
  } finally {
    await pool.close();
  }
});

test('a whole-document failure arrives as an IngestFailure with its message', async () => {
  const pool = new IngestWorkerPool({ moduleOf: () => MODULE, size: 1 });
  try {
    await assert.rejects(pool.ingest(plugin, input('mcpservers: [unclosed\n')), (error: Error) => {
      assert.ok(error instanceof IngestFailure);
      assert.match(error.message, /^servers\.yaml at line 2, column 1: YAML parse error: /);
      return true;
    });
    await assert.rejects(pool.ingest(plugin, input(document(5), { maxItemsPerSource: 4 })), new IngestFailure('source produced more than 4 entities'));
  } finally {
    await pool.close();
  }
});

test('tasks queue for the one worker and each gets its own result', async () => {
  const pool = new IngestWorkerPool({ moduleOf: () => MODULE, size: 1 });
  try {
    const results = await Promise.all([3, 1, 2].map((n) => pool.ingest(plugin, input(document(n)))));
    assert.deepEqual(results.map((r) => r.perKind[0][1].map((e) => e.name)), [
      ['server-00000', 'server-00001', 'server-00002'], ['server-00000'], ['server-00000', 'server-00001'],
    ]);
  } finally {
    await pool.close();
  }
});

/** A one-worker pool whose tasks import a plugin module made of `source` until `fix()`, then the real plugin. */
function poolWithBadPlugin(name: string, source: string) {
  const file = join(scratch, `${name}.mjs`);
  writeFileSync(file, source);
  let module = pathToFileURL(file).href;
  const pool = new IngestWorkerPool({ moduleOf: () => module, size: 1 });
  return { pool, fix: () => void (module = MODULE) };
}

test('a worker that dies fails its task only; the next task gets a new worker', async () => {
  const { pool, fix } = poolWithBadPlugin('crashing-plugin', 'process.exit(7);\n');
  try {
    await assert.rejects(pool.ingest(plugin, input(document(2))), /ingest worker stopped: exit code 7/);
    fix();
    const result = await pool.ingest(plugin, input(document(2)));
    assert.equal(result.perKind[0][1].length, 2);
  } finally {
    await pool.close();
  }
});

test('an aborted task leaves the queue; an aborted running task stops its worker, and the next task gets a new one', async () => {
  const { pool, fix } = poolWithBadPlugin('hanging-plugin', 'for (;;) {}\n');
  try {
    const running = new AbortController();
    const stuck = pool.ingest(plugin, input(document(2)), running.signal);
    fix();
    const waiting = new AbortController();
    const queued = pool.ingest(plugin, input(document(2)), waiting.signal);
    waiting.abort();
    await assert.rejects(queued, /ingest aborted/);
    const after = pool.ingest(plugin, input(document(3)));
    // The worker never finishes importing its plugin: only stopping it ends the task.
    running.abort();
    await assert.rejects(stuck, /ingest aborted/);
    assert.equal((await after).perKind[0][1].length, 3, 'the task queued behind it ran on a new worker');
    await assert.rejects(pool.ingest(plugin, input(document(1)), AbortSignal.abort()), /ingest aborted/);
  } finally {
    await pool.close();
  }
});

test('a package that does not declare the plugin is refused', async () => {
  const pool = new IngestWorkerPool({ moduleOf: () => '@catalog/plugin-prompts', size: 1 });
  try {
    await assert.rejects(pool.ingest(plugin, input(document(1))), /ingest worker: module @catalog\/plugin-prompts does not declare plugin "mcp"/);
  } finally {
    await pool.close();
  }
});

test('close fails queued and running tasks and refuses new ones', async () => {
  const pool = new IngestWorkerPool({ moduleOf: () => MODULE, size: 1 });
  const running = pool.ingest(plugin, input(document(20_000)));
  const queued = pool.ingest(plugin, input(document(1)));
  const outcomes = Promise.allSettled([running, queued]);
  await pool.close();
  assert.deepEqual((await outcomes).map((o) => o.status === 'rejected' && (o.reason as Error).message), [
    'the ingest worker pool is closed', 'the ingest worker pool is closed',
  ]);
  await assert.rejects(pool.ingest(plugin, input(document(1))), /closed/);
});
