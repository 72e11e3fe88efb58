import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { hubModelInfo, MockHuggingFace, VALID_TOKEN } from '../testing/mockHuggingFace.js';
import { rejection } from '../testing/rejection.js';
import { previewHfSource, type HfPreviewOptions } from './hfPreview.js';
import { ProviderError } from './ProviderError.js';
import { createSecretResolver } from './secretRefs.js';

let hub: MockHuggingFace;
/** Stands in for https://huggingface.co, so no test reaches the internet. */
let defaultHub: MockHuggingFace;

before(async () => {
  hub = await MockHuggingFace.start();
  defaultHub = await MockHuggingFace.start();
  for (const name of ['helm-8b', 'helm-8b-draft', 'helm-70b', 'sail-1b']) hub.setModel(hubModelInfo(`northwind-ai/${name}`));
  hub.setModel(hubModelInfo('Contoso/Embed-Small-V2'));
});

after(async () => {
  await hub.close();
  await defaultHub.close();
});

afterEach(() => {
  hub.reset();
  defaultHub.reset();
});

function options(overrides: Partial<HfPreviewOptions> = {}): HfPreviewOptions {
  return {
    resolveSecret: createSecretResolver({ env: { CATALOG_SECRET_HF: VALID_TOKEN }, secretsDir: null }),
    env: {},
    log: { info: () => undefined, warn: () => undefined },
    allowedUrls: [hub.url],
    maxBytes: 1024 * 1024,
    defaultUrl: defaultHub.url,
    random: () => 0,
    ...overrides,
  };
}

describe('previewHfSource', () => {
  it('lists expanded names with their included flag, exact ids resolved, failures listed as given', async () => {
    const items = await previewHfSource(
      { properties: { url: hub.url, maxRequestsPerMinute: 0 }, includedItems: ['northwind-ai/helm*', 'contoso/embed-small-v2', 'contoso/gone'], excludedItems: ['*-draft'] },
      'default',
      options(),
    );
    assert.deepEqual(items, [
      { name: 'northwind-ai/helm-8b', included: true },
      { name: 'northwind-ai/helm-8b-draft', included: false },
      { name: 'northwind-ai/helm-70b', included: true },
      { name: 'Contoso/Embed-Small-V2', included: true },
      { name: 'contoso/gone', included: true },
    ]);
    assert.equal(defaultHub.requests.length, 0);
  });

  it('applies maxModels and skips a failing wildcard pattern', async () => {
    hub.failAlways('/api/models', { status: 404 });
    const items = await previewHfSource(
      { properties: { url: hub.url, maxModels: 1 }, includedItems: ['northwind-ai/*', 'northwind-ai/sail-1b'], excludedItems: [] },
      'default',
      options(),
    );
    assert.deepEqual(items, [{ name: 'northwind-ai/sail-1b', included: true }]);
    hub.reset();
    const capped = await previewHfSource({ properties: { url: hub.url, maxModels: 2 }, includedItems: ['northwind-ai/*'], excludedItems: [] }, 'default', options());
    assert.equal(capped.length, 2);
  });

  it('ignores a url whose origin CATALOG_HF_ALLOWED_URLS does not list, token included', async () => {
    await previewHfSource(
      { properties: { url: hub.url, apiKey: { env: 'CATALOG_SECRET_HF' } }, includedItems: ['northwind-ai/*'], excludedItems: [] },
      'default',
      options({ allowedUrls: [] }),
    );
    assert.equal(hub.requests.length, 0, 'the configured url was not contacted');
    assert.ok(defaultHub.requests.length > 0);
    assert.ok(defaultHub.requests.every((r) => r.headers.authorization === `Bearer ${VALID_TOKEN}`));
  });

  it('refuses invalid patterns', async () => {
    const error = await rejection(previewHfSource({ properties: {}, includedItems: ['*/*'], excludedItems: [] }, 'default', options()), ProviderError);
    assert.equal(error.message, 'wildcard pattern "*/*" is not supported - Hugging Face requires a specific organization');
  });
});
