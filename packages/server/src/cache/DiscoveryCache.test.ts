import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AUDIT_FILES, auditPlugins } from '../testing/auditFixtures.js';
import { describeEachDatabase } from '../testing/databases.js';
import { flippablePlugin, untilPartsHealthIs } from '../testing/partsPlugin.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';
import { DataVersions } from './DataVersions.js';
import { DiscoveryCache } from './DiscoveryCache.js';
import { watchPluginHealth } from './watchPluginHealth.js';

const settings = { enabled: true, discoveryTtlSeconds: 60, capabilitiesTtlSeconds: 30, maxSize: 2 };

test('a real LRU: reading A, B, A, then C evicts B (05 §11 #49)', () => {
  const cache = new DiscoveryCache(settings);
  cache.set('discovery', 'a', 'A', cache.snapshot());
  cache.set('discovery', 'b', 'B', cache.snapshot());
  assert.equal(cache.get('discovery', 'a'), 'A');
  cache.set('discovery', 'c', 'C', cache.snapshot());
  assert.equal(cache.get('discovery', 'b'), undefined);
  assert.equal(cache.get('discovery', 'a'), 'A');
  assert.equal(cache.get('discovery', 'c'), 'C');
});

test('entries expire after their TTL; namespaces have separate entries', async () => {
  const cache = new DiscoveryCache({ ...settings, discoveryTtlSeconds: 0.05 });
  cache.set('discovery', DiscoveryCache.key('team-a'), 'A', cache.snapshot());
  assert.equal(cache.get('discovery', DiscoveryCache.key('team-b')), undefined);
  assert.equal(cache.get('discovery', DiscoveryCache.key('team-a')), 'A');
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(cache.get('discovery', DiscoveryCache.key('team-a')), undefined);
});

test('invalidating a plugin clears discovery and that plugin\'s capabilities in every namespace', () => {
  const cache = new DiscoveryCache({ ...settings, maxSize: 10 });
  cache.set('discovery', 'x', 'D', cache.snapshot());
  cache.set('capabilities', DiscoveryCache.key('team-a', 'mcp'), 'M1', cache.snapshot());
  cache.set('capabilities', DiscoveryCache.key('team-b', 'mcp'), 'M2', cache.snapshot());
  cache.set('capabilities', DiscoveryCache.key('team-a', 'skills'), 'S', cache.snapshot());
  const versions = new DataVersions();
  versions.onChange((change) => cache.invalidatePlugin(change.plugin));
  versions.bump('team-a', 'mcp');
  assert.equal(versions.get('team-a', 'mcp'), '1');
  assert.equal(cache.get('discovery', 'x'), undefined);
  assert.equal(cache.get('capabilities', DiscoveryCache.key('team-b', 'mcp')), undefined);
  assert.equal(cache.get('capabilities', DiscoveryCache.key('team-a', 'skills')), 'S');
});

test('an answer computed across an invalidation is not stored: it may show the state before the change', () => {
  const cache = new DiscoveryCache({ ...settings, maxSize: 10 });
  const before = cache.snapshot();
  cache.invalidatePlugin('mcp');
  cache.set('discovery', 'x', 'computed before the change', before);
  cache.set('capabilities', DiscoveryCache.key('team-a', 'skills'), 'computed before the change', before);
  assert.equal(cache.get('discovery', 'x'), undefined);
  assert.equal(cache.get('capabilities', DiscoveryCache.key('team-a', 'skills')), undefined);
  const during = cache.snapshot();
  cache.invalidateAll();
  cache.set('discovery', 'x', 'computed before the change', during);
  assert.equal(cache.get('discovery', 'x'), undefined);
  cache.set('discovery', 'x', 'computed after the change', cache.snapshot());
  assert.equal(cache.get('discovery', 'x'), 'computed after the change');
});

test('disabled or bypassed caches store and serve nothing', () => {
  const off = new DiscoveryCache({ ...settings, enabled: false });
  off.set('discovery', 'a', 'A', off.snapshot());
  assert.equal(off.get('discovery', 'a'), undefined);
  let down = true;
  const bypassed = new DiscoveryCache(settings);
  bypassed.bypassWhen(() => down);
  bypassed.set('discovery', 'a', 'A', bypassed.snapshot());
  down = false;
  assert.equal(bypassed.get('discovery', 'a'), undefined);
});

test('the health watcher clears discovery at its first evaluation and on every flip, reading health fresh (05 §6)', async () => {
  const cache = new DiscoveryCache({ ...settings, maxSize: 10 });
  let healthy = true;
  const asked: unknown[] = [];
  const plugin = { name: 'p', checkHealth: async (options: { fresh: boolean }) => (asked.push(options), { healthy }) };
  const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  cache.set('discovery', 'x', 'cached before the watcher started', cache.snapshot());
  const timer = watchPluginHealth(() => [plugin], cache, 100);
  try {
    await settle(10);
    assert.equal(cache.get('discovery', 'x'), undefined, 'a body cached before the first evaluation is not trusted');
    cache.set('discovery', 'x', 'healthy', cache.snapshot());
    await settle(150);
    assert.equal(cache.get('discovery', 'x'), 'healthy', 'no flip, no invalidation');
    healthy = false;
    await settle(150);
    assert.equal(cache.get('discovery', 'x'), undefined);
    assert.ok(asked.every((options) => (options as { fresh: boolean }).fresh === true));
  } finally {
    clearInterval(timer);
  }
});

/** Spec 05 §11 #48, #49 over HTTP, and the health flip half of #50 on one replica. */
describeEachDatabase('discovery cache over HTTP', (kind) => {
  let t: TestServer;
  let off: TestServer;
  const { plugin, health } = flippablePlugin();
  before(async () => {
    const plugins = [...(await auditPlugins()), plugin];
    t = await startTestServer({
      kind, files: AUDIT_FILES, plugins,
      env: { CATALOG_TENANCY_MODE: 'namespace', CATALOG_CACHE_MAX_SIZE: '2', CATALOG_CACHE_CAPABILITIES_TTL: '1' },
    });
    off = await startTestServer({ kind, files: AUDIT_FILES, plugins, env: { CATALOG_CACHE_ENABLED: 'false' } });
  });
  after(async () => {
    await t?.close();
    await off?.close();
  });

  const get = async (url: string) => {
    const response = await t.inject(url);
    return { status: response.statusCode, cache: response.headers['x-cache'], body: response.body };
  };
  const capabilities = async (name: string, ns = 'team-a') => (await get(`/api/plugins/${name}/capabilities?namespace=${ns}`)).cache;

  test('first discovery is a MISS, the second a HIT with a byte-identical body; disabled: no X-Cache (05 §11 #48)', async () => {
    const first = await get('/api/plugins?namespace=team-a');
    const second = await get('/api/plugins?namespace=team-a');
    assert.deepEqual([first.status, first.cache, second.status, second.cache], [200, 'MISS', 200, 'HIT']);
    assert.equal(second.body, first.body);
    for (const url of ['/api/plugins', '/api/plugins', '/api/plugins/mcp/capabilities', '/api/plugins/mcp/capabilities', '/api/plugins/nope/capabilities']) {
      const response = await off.inject(url);
      assert.equal(response.headers['x-cache'], undefined, url);
    }
    assert.equal((await off.inject('/api/plugins')).body, (await off.inject('/api/plugins')).body);
  });

  test('namespaces have separate entries; unknown query parameters share the entry (05 §11 #49)', async () => {
    assert.equal((await get('/api/plugins?namespace=team-b')).cache, 'MISS');
    assert.equal((await get('/api/plugins?namespace=team-b&foo=1')).cache, 'HIT');
    const viaHeader = await t.inject({ url: '/api/plugins?foo=1', headers: { 'x-namespace': 'team-a' } });
    assert.equal(viaHeader.headers['x-cache'], 'HIT');
  });

  test('with CATALOG_CACHE_MAX_SIZE=2, reading A, B, A then C evicts B; a 404 is never stored; entries expire after their TTL (05 §11 #49)', async () => {
    assert.equal(await capabilities('mcp'), 'MISS');
    assert.equal(await capabilities('prompts'), 'MISS');
    assert.equal(await capabilities('mcp'), 'HIT');
    assert.equal(await capabilities('parts'), 'MISS');
    assert.equal(await capabilities('mcp'), 'HIT', 'A was read recently and stays');
    assert.equal(await capabilities('prompts'), 'MISS', 'B was the least recently used and was evicted');
    // Now prompts and mcp are held; a 404 stored would evict mcp.
    for (let i = 0; i < 3; i++) {
      const missing = await get('/api/plugins/nope/capabilities?namespace=team-a');
      assert.deepEqual([missing.status, missing.cache], [404, 'MISS']);
    }
    assert.equal(await capabilities('mcp'), 'HIT');
    assert.equal(await capabilities('prompts'), 'HIT');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    assert.equal(await capabilities('mcp'), 'MISS', 'the 1 s capabilities TTL has passed');
  });

  test('a plugin whose health flips is reflected in cached discovery within 5 s (05 §6, §11 #50)', async () => {
    assert.equal((await get('/api/plugins?namespace=team-a')).cache, 'HIT');
    health.healthy = false;
    try {
      const elapsed = await untilPartsHealthIs(t, false, '?namespace=team-a');
      assert.ok(elapsed <= 5_500, `${elapsed} ms`);
    } finally {
      health.healthy = true;
    }
    assert.ok((await untilPartsHealthIs(t, true, '?namespace=team-a')) <= 5_500);
  });
});
