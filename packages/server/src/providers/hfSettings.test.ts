import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIncludePattern, resolveHfSettings } from './hfSettings.js';
import { ProviderError } from './ProviderError.js';

const includes = { includedItems: ['northwind-ai/*'], excludedItems: [] };

function problem(properties: Record<string, unknown>, source: { includedItems: string[]; excludedItems: string[] } = includes): string {
  try {
    resolveHfSettings(properties, source);
  } catch (error) {
    assert.ok(error instanceof ProviderError, String(error));
    return error.message;
  }
  assert.fail(`expected ${JSON.stringify(properties)} to be refused`);
}

describe('resolveHfSettings', () => {
  it('applies the defaults of 03 §14.1', () => {
    const settings = resolveHfSettings({}, includes);
    assert.deepEqual(
      [settings.baseUrl, settings.origin, settings.apiKeyEnvVar, settings.syncIntervalSeconds, settings.maxModels, settings.concurrency,
        settings.maxRequestsPerMinute, settings.requestTimeoutSeconds, settings.maxRetries],
      ['https://huggingface.co', 'https://huggingface.co', 'HF_API_KEY', 86400, 500, 2, 300, 30, 5],
    );
    assert.deepEqual(settings.warnings, []);
  });

  it('normalizes the base URL and keeps a path prefix', () => {
    assert.equal(resolveHfSettings({ url: 'http://127.0.0.1:8080/' }, includes).baseUrl, 'http://127.0.0.1:8080');
    const proxied = resolveHfSettings({ url: 'https://proxy.example.com/hf//' }, includes);
    assert.deepEqual([proxied.baseUrl, proxied.origin], ['https://proxy.example.com/hf', 'https://proxy.example.com']);
  });

  it('accepts durations and numbers in range', () => {
    const settings = resolveHfSettings(
      { syncInterval: '1s', requestTimeout: '2m', maxModels: 0, concurrency: 8, maxRequestsPerMinute: 0, maxRetries: 0 },
      includes,
    );
    assert.deepEqual([settings.syncIntervalSeconds, settings.requestTimeoutSeconds, settings.maxModels, settings.concurrency, settings.maxRetries], [1, 120, 0, 8, 0]);
  });

  it('refuses invalid properties with precise messages', () => {
    const cases: [Record<string, unknown>, string | RegExp][] = [
      [{ maxModel: 5 }, /^unknown property "maxModel" for source type hf; known: url, apiKey,/],
      [{ url: 'ftp://hub.example.com' }, 'URL scheme "ftp" is not allowed (allowed: https, http)'],
      [{ url: 'not a url' }, 'url is not a valid URL'],
      [{ url: 42 }, 'properties.url must be a string'],
      [{ url: 'https://user:pw@hub.example.com' }, 'url must not contain credentials; use apiKey with a secret reference'],
      [{ url: 'https://hub.example.com/?x=1' }, 'url must be a base URL without query or fragment'],
      [{ apiKey: 12 }, 'properties.apiKey must be a string or a secret reference'],
      [{ apiKey: { env: 'X', extra: 'y' } }, 'properties.apiKey must be a string or a secret reference'],
      [{ apiKeyEnvVar: 'hf-token' }, 'apiKeyEnvVar must be an environment variable name matching ^[A-Z_][A-Z0-9_]*$'],
      [{ allowedOrganization: 'a/b' }, /^allowedOrganization must be an organization name/],
      [{ allowedOrganization: '*' }, /^allowedOrganization must be an organization name/],
      [{ syncInterval: '0s' }, 'invalid duration "0s" for syncInterval: must be at least 1s (e.g. 90s, 30m, 24h)'],
      [{ syncInterval: 'daily' }, 'invalid duration "daily" for syncInterval: must be at least 1s (e.g. 90s, 30m, 24h)'],
      [{ requestTimeout: '10m' }, 'invalid duration "10m" for requestTimeout: must be between 1s and 300s (e.g. 90s, 30m, 24h)'],
      [{ maxModels: -1 }, 'maxModels must be an integer >= 0'],
      [{ maxModels: '100' }, 'maxModels must be an integer >= 0'],
      [{ maxModels: 1.5 }, 'maxModels must be an integer >= 0'],
      [{ concurrency: 0 }, 'concurrency must be an integer between 1 and 8'],
      [{ concurrency: 9 }, 'concurrency must be an integer between 1 and 8'],
      [{ maxRequestsPerMinute: -5 }, 'maxRequestsPerMinute must be an integer >= 0'],
      [{ maxRetries: 11 }, 'maxRetries must be an integer between 0 and 10'],
      [{ excludedModels: 'x' }, 'properties.excludedModels must be a list of non-empty strings'],
    ];
    for (const [properties, expected] of cases) {
      const message = problem(properties);
      if (typeof expected === 'string') assert.equal(message, expected, JSON.stringify(properties));
      else assert.match(message, expected, JSON.stringify(properties));
    }
  });

  it('needs at least one include pattern', () => {
    assert.match(problem({}, { includedItems: [], excludedItems: ['x/*'] }), /^an hf source needs at least one include pattern/);
  });

  it('warns about a plain-string apiKey and accepts secret references silently', () => {
    assert.deepEqual(resolveHfSettings({ apiKey: 'hf_plain' }, includes).warnings.map((w) => w.field), ['properties.apiKey']);
    assert.deepEqual(resolveHfSettings({ apiKey: { env: 'CATALOG_SECRET_HF' } }, includes).warnings, []);
    assert.deepEqual(resolveHfSettings({ apiKey: { name: 'hf-token', key: 'token' } }, includes).warnings, []);
  });

  it('scopes patterns to allowedOrganization and merges legacy excludedModels', () => {
    const scoped = resolveHfSettings(
      { allowedOrganization: 'contoso', excludedModels: ['*-draft'] },
      { includedItems: ['embed*', 'contoso/helm-1'], excludedItems: ['*-gguf'] },
    );
    assert.deepEqual(scoped.includedItems, ['contoso/embed*', 'contoso/helm-1']);
    assert.deepEqual(scoped.excludedItems, ['contoso/*-gguf', 'contoso/*-draft']);
    const whole = resolveHfSettings({ allowedOrganization: 'contoso' }, { includedItems: [], excludedItems: [] });
    assert.deepEqual(whole.includedItems, ['contoso/*']);
    assert.deepEqual(whole.patterns, [{ kind: 'list', pattern: 'contoso/*', organization: 'contoso', prefix: '' }]);
  });
});

describe('parseIncludePattern', () => {
  it('classifies the patterns of 03 §14.4', () => {
    assert.deepEqual(parseIncludePattern('northwind-ai/*'), { kind: 'list', pattern: 'northwind-ai/*', organization: 'northwind-ai', prefix: '' });
    assert.deepEqual(parseIncludePattern('contoso/embed*'), { kind: 'list', pattern: 'contoso/embed*', organization: 'contoso', prefix: 'embed' });
    assert.deepEqual(parseIncludePattern('contoso/embed-small-v2'), { kind: 'exact', pattern: 'contoso/embed-small-v2', id: 'contoso/embed-small-v2' });
    assert.deepEqual(parseIncludePattern('gpt2'), { kind: 'exact', pattern: 'gpt2', id: 'gpt2' });
  });

  it('refuses wildcards without a specific organization', () => {
    for (const pattern of ['*', '*/*', '*/x', '/x', 'nw*/x', 'contoso/']) {
      assert.throws(() => parseIncludePattern(pattern), {
        message: `wildcard pattern "${pattern}" is not supported - Hugging Face requires a specific organization`,
      });
    }
    assert.equal(problem({}, { includedItems: ['*/*'], excludedItems: [] }), 'wildcard pattern "*/*" is not supported - Hugging Face requires a specific organization');
  });

  it('refuses wildcards the hub cannot list', () => {
    for (const pattern of ['contoso/*-gguf', 'contoso/a*b*', 'contoso/a/b*']) {
      assert.throws(() => parseIncludePattern(pattern), { message: `wildcard pattern "${pattern}" is not supported - only "<org>/*" and "<org>/<prefix>*" can be listed` });
    }
  });
});
