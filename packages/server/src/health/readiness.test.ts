import assert from 'node:assert/strict';
import { test } from 'node:test';
import { definePlugin } from '@catalog/framework';
import { Type } from '@sinclair/typebox';
import pino from 'pino';
import { PluginRegistry } from '../framework/PluginRegistry.js';
import { formatUptime } from './formatUptime.js';
import { Lifecycle } from './Lifecycle.js';
import { evaluateReadiness } from './readiness.js';

const plugin = (name: string, init?: () => Promise<void>) => definePlugin({
  name, version: 'v1alpha1', displayName: name, description: name, icon: 'wrench', sourceTypes: ['yaml'], init,
  entities: [{
    kind: 'Thing', plural: 'things', displayName: 'Thing', description: 'Thing', notFoundPhrase: 'thing',
    schema: Type.Object({ name: Type.String() }), fields: { columns: [], filterFields: [], detailFields: [] },
    uiHints: { icon: 'wrench', nameField: 'name', detailSections: [] }, cliDefaultColumns: [],
  }],
});

test('uptime is written like the reference design', () => {
  assert.deepEqual([0, 45, 60, 150, 3605, 93780].map(formatUptime), ['0s', '45s', '1m0s', '2m30s', '1h0m5s', '26h3m0s']);
});

test('readiness follows database, initial load, plugins and shutdown', async () => {
  const registry = new PluginRegistry([plugin('alpha'), plugin('beta', async () => { throw new Error('down'); })], pino({ level: 'silent' }));
  const lifecycle = new Lifecycle();
  const up = { status: 'up' };
  const leader = { status: 'not_configured' };

  const initializing = await evaluateReadiness(lifecycle, registry, up, leader);
  assert.equal(initializing.ready, false);
  assert.equal(initializing.body.components.plugins.status, 'initializing');

  await registry.initializeAll();
  lifecycle.startInitialLoad(3);
  lifecycle.sourceLoaded();
  const pending = await evaluateReadiness(lifecycle, registry, up, leader);
  assert.deepEqual(pending.body.components.initial_load, { status: 'pending', details: '1 of 3 sources loaded' });
  assert.equal(pending.ready, false);

  lifecycle.initialLoadTimedOut();
  const ready = await evaluateReadiness(lifecycle, registry, up, leader);
  assert.equal(ready.ready, true);
  assert.deepEqual(ready.body.components.initial_load, { status: 'complete', details: '2 sources still loading' });
  assert.deepEqual(ready.body.components.plugins, { status: 'degraded', details: '1 of 2 plugins healthy; unavailable: beta' });

  const migrating = await evaluateReadiness(lifecycle, registry, { status: 'migrating' }, leader);
  assert.equal(migrating.ready, false);

  lifecycle.shuttingDown = true;
  const stopping = await evaluateReadiness(lifecycle, registry, up, leader);
  assert.equal(stopping.ready, false);
  assert.equal(stopping.body.status, 'not_ready');
  assert.equal(stopping.body.reason, 'shutting down');
  await registry.stopAll();
});
