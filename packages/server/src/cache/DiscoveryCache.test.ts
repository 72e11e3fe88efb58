import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataVersions } from './DataVersions.js';
import { DiscoveryCache } from './DiscoveryCache.js';

const settings = { enabled: true, discoveryTtlSeconds: 60, capabilitiesTtlSeconds: 30, maxSize: 2 };

test('a real LRU: reading A, B, A, then C evicts B (05 §11 #49)', () => {
  const cache = new DiscoveryCache(settings);
  cache.set('discovery', 'a', 'A');
  cache.set('discovery', 'b', 'B');
  assert.equal(cache.get('discovery', 'a'), 'A');
  cache.set('discovery', 'c', 'C');
  assert.equal(cache.get('discovery', 'b'), undefined);
  assert.equal(cache.get('discovery', 'a'), 'A');
  assert.equal(cache.get('discovery', 'c'), 'C');
});

test('entries expire after their TTL; namespaces have separate entries', async () => {
  const cache = new DiscoveryCache({ ...settings, discoveryTtlSeconds: 0.05 });
  cache.set('discovery', DiscoveryCache.key('team-a'), 'A');
  assert.equal(cache.get('discovery', DiscoveryCache.key('team-b')), undefined);
  assert.equal(cache.get('discovery', DiscoveryCache.key('team-a')), 'A');
  await new Promise((resolve) => setTimeout(resolve, 80));
  assert.equal(cache.get('discovery', DiscoveryCache.key('team-a')), undefined);
});

test('invalidating a plugin clears discovery and that plugin\'s capabilities in every namespace', () => {
  const cache = new DiscoveryCache({ ...settings, maxSize: 10 });
  cache.set('discovery', 'x', 'D');
  cache.set('capabilities', DiscoveryCache.key('team-a', 'mcp'), 'M1');
  cache.set('capabilities', DiscoveryCache.key('team-b', 'mcp'), 'M2');
  cache.set('capabilities', DiscoveryCache.key('team-a', 'skills'), 'S');
  const versions = new DataVersions();
  versions.onChange((change) => cache.invalidatePlugin(change.plugin));
  versions.bump('team-a', 'mcp');
  assert.equal(versions.get('team-a', 'mcp'), '1');
  assert.equal(cache.get('discovery', 'x'), undefined);
  assert.equal(cache.get('capabilities', DiscoveryCache.key('team-b', 'mcp')), undefined);
  assert.equal(cache.get('capabilities', DiscoveryCache.key('team-a', 'skills')), 'S');
});

test('disabled or bypassed caches store and serve nothing', () => {
  const off = new DiscoveryCache({ ...settings, enabled: false });
  off.set('discovery', 'a', 'A');
  assert.equal(off.get('discovery', 'a'), undefined);
  let down = true;
  const bypassed = new DiscoveryCache(settings);
  bypassed.bypassWhen(() => down);
  bypassed.set('discovery', 'a', 'A');
  down = false;
  assert.equal(bypassed.get('discovery', 'a'), undefined);
});
