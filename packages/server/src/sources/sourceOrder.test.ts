import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { join } from 'node:path';
import { loadBundledPlugins, REPOSITORY_ROOT } from '../bundledPlugins.js';
import { parseServerConfig } from '../config/parseServerConfig.js';
import { startServer, type RunningServer } from '../startServer.js';
import { createPostgresTestDatabase } from '../testing/databases.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';

/**
 * Spec 02 §12 item 6 across replicas: get-by-name follows the configured source order, so two
 * replicas with one configuration on one database give the same answer, and swapping the order
 * swaps the winner.
 */
const DATA_A = 'mcpservers:\n  - {name: shared-mcp, serverUrl: "stdio://a", deploymentMode: local, category: from-a}\n';
const DATA_B = 'mcpservers:\n  - {name: shared-mcp, serverUrl: "https://b.example.com", deploymentMode: remote, category: from-b}\n';
const sources = (order: string[]) =>
  `catalogs:\n  mcp:\n    sources:\n${order.map((id) => `      - {id: ${id}, name: ${id}, type: yaml, properties: {yamlCatalogPath: ${id}.yaml}}\n`).join('')}`;

describe('source order across replicas [postgres]', { skip: !process.env.CATALOG_TEST_DATABASE_URL && 'CATALOG_TEST_DATABASE_URL not set' }, () => {
  let dir: string;
  let drop: () => Promise<void>;
  let dsn: string;
  const servers: RunningServer[] = [];

  async function replica(sourcesFile: string): Promise<RunningServer> {
    const parsed = parseServerConfig(['--listen=127.0.0.1:0', `--sources=${join(dir, sourcesFile)}`], { DATABASE_DSN: dsn }, {
      defaults: { sourcesPath: join(REPOSITORY_ROOT, 'config/sources.yaml'), uiDir: dir, version: 'test' },
    });
    if (parsed.kind !== 'run') throw new Error('unexpected');
    const server = await startServer({ config: parsed.config, plugins: await loadBundledPlugins(), version: 'test', logStream: new Writable({ write: (_c, _e, done) => done() }) });
    servers.push(server);
    await server.started;
    await server.initialLoad;
    return server;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'catalog-order-'));
    writeFileSync(join(dir, 'a.yaml'), DATA_A);
    writeFileSync(join(dir, 'b.yaml'), DATA_B);
    writeFileSync(join(dir, 'ab.yaml'), sources(['a', 'b']));
    writeFileSync(join(dir, 'ba.yaml'), sources(['b', 'a']));
    ({ url: dsn, drop } = await createPostgresTestDatabase());
  });
  after(async () => {
    for (const server of servers) await server.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  test('replicas with the same configuration agree; swapping the order swaps the winner', async () => {
    const first = await replica('ab.yaml');
    const second = await replica('ab.yaml');
    const swapped = await replica('ba.yaml');
    const winner = async (server: RunningServer) =>
      JSON.parse((await server.app.inject('/api/mcp_catalog/v1alpha1/mcpservers/shared-mcp')).body) as { sourceId: string; category: string };
    assert.deepEqual(await winner(first), await winner(second));
    assert.equal((await winner(first)).sourceId, 'a');
    assert.equal((await winner(swapped)).sourceId, 'b');
    const list = JSON.parse((await first.app.inject('/api/mcp_catalog/v1alpha1/mcpservers')).body) as { items: { sourceId: string }[] };
    assert.deepEqual(list.items.map((i) => i.sourceId), ['a', 'b'], 'both same-named entities are listed');
  });
});
