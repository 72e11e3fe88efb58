import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { SERVER_VERSION } from '../bundledPlugins.js';
import type { SourceConfig } from '../config/sourcesDocument.js';
import { hubModelInfo, MockHuggingFace, VALID_TOKEN } from '../testing/mockHuggingFace.js';
import { rejection as rejectionOf } from '../testing/rejection.js';
import { HF_LOGO } from './hfModelMapping.js';
import { createHfProvider, type HfProviderOptions } from './hfProvider.js';
import { ProviderError } from './ProviderError.js';
import { createSecretResolver } from './secretRefs.js';
import type { FetchResult, ProviderRequest } from './types.js';

type Loaded = Extract<FetchResult, { documents: unknown }>;
type Model = Record<string, any>;

const rejection = (promise: Promise<unknown>) => rejectionOf(promise, ProviderError);
const NORTHWIND_COUNT = 250;

let hub: MockHuggingFace;
let secretsDir: string;
let logs: { level: string; obj: object; msg: string }[] = [];

before(async () => {
  hub = await MockHuggingFace.start();
  secretsDir = await mkdtemp(join(tmpdir(), 'hf-secrets-'));
  await writeFile(join(secretsDir, 'hf-token'), `${VALID_TOKEN}\n`);
  // One organization with 250 models over three pages; only the first has a README.
  for (let i = 0; i < NORTHWIND_COUNT; i++) {
    const id = `northwind-ai/helm-${String(i).padStart(3, '0')}`;
    hub.setModel(hubModelInfo(id, i === 0 ? {} : { siblings: [{ rfilename: 'config.json' }] }), i === 0 ? '# Helm 000\n' : undefined);
  }
  hub.setModel(hubModelInfo('contoso/embed-small-v2', {
    pipeline_tag: 'feature-extraction', task: 'sentence-similarity', library_name: 'sentence-transformers',
    tags: ['sentence-transformers', 'license:mit', 'license:apache-2.0'],
    cardData: { license: 'other', license_link: 'https://contoso.example.com/license', language: 'de', description: 'Small embeddings.' },
    config: { architectures: ['BertModel'], model_type: 'bert' },
  }), '# Embed small\n');
  hub.setModel(hubModelInfo('contoso/embed-large', { private: true, gated: 'manual' }), '# Embed large\n');
  hub.setModel(hubModelInfo('contoso/multi-embed', { gated: 'auto' }));
  // Card fields nested under `data`, no author, no license tag: the compatibility paths of §14.5.
  hub.setModel(hubModelInfo('contoso/nested-card', {
    author: undefined, tags: ['gguf'], task: 'text-generation', pipeline_tag: 'text-generation',
    cardData: { data: { license: 'llama3.1', licenseUrl: 'https://contoso.example.com/llama', language: ['en', 'fr', ''], description: 'Nested card.' } },
    config: {}, siblings: [{ rfilename: 'readme.md' }],
  }), 'nested readme');
  hub.setModel(hubModelInfo('contoso/bare', {
    author: undefined, tags: undefined, cardData: undefined, config: undefined, library_name: undefined, pipeline_tag: undefined,
    createdAt: undefined, lastModified: 'not a date', sha: undefined, siblings: [{ rfilename: 'README.md' }], gated: undefined, private: undefined,
  }));
  hub.setModel(hubModelInfo('contoso/big-readme'), 'x'.repeat(1024 * 1024 + 1));
});

after(async () => {
  await hub.close();
  await rm(secretsDir, { recursive: true, force: true });
});

afterEach(() => {
  hub.reset();
  logs = [];
});

function provider(overrides: Partial<HfProviderOptions> = {}) {
  return createHfProvider({
    fetchContext: { baseDir: '/', dataRoots: [], maxBytes: 4 * 1024 * 1024 },
    resolveSecret: createSecretResolver({ env: { CATALOG_SECRET_HF_TOKEN: VALID_TOKEN }, secretsDir }),
    env: {},
    log: {
      info: (obj, msg) => logs.push({ level: 'info', obj, msg }),
      warn: (obj, msg) => logs.push({ level: 'warn', obj, msg }),
    },
    random: () => 0,
    ...overrides,
  });
}

function source(properties: Record<string, unknown>, includedItems: string[] = ['northwind-ai/*'], excludedItems: string[] = []): SourceConfig {
  return {
    id: 'hub', name: 'Hub', type: 'hf', enabled: true, labels: [], line: 1, problems: [], includedItems, excludedItems,
    properties: { url: hub.url, maxRequestsPerMinute: 0, concurrency: 4, ...properties },
  };
}

function request(src: SourceConfig, extra: Partial<ProviderRequest> = {}): ProviderRequest {
  return { source: src, location: { namespace: 'default', plugin: 'model', sourceId: src.id }, force: false, ...extra };
}

async function load(src: SourceConfig, options: Partial<HfProviderOptions> = {}, extra: Partial<ProviderRequest> = {}): Promise<Loaded> {
  const result = await provider(options).fetch(request(src, extra));
  assert.ok(!result.unchanged);
  return result;
}

function models(result: Loaded): Model[] {
  return result.documents.flatMap((d) => {
    const parsed = JSON.parse(d.text) as { source: string; models: Model[] };
    assert.equal(parsed.source, 'Hub');
    return parsed.models;
  });
}

const names = (result: Loaded) => models(result).map((m) => m.name as string);

describe('hf provider: expansion', () => {
  it('lists an organization over three pages by following Link headers', async () => {
    const result = await load(source({ maxModels: 0 }));
    assert.equal(names(result).length, NORTHWIND_COUNT);
    assert.deepEqual(names(result).slice(0, 2), ['northwind-ai/helm-000', 'northwind-ai/helm-001']);
    const pages = hub.requestsTo('/api/models');
    assert.equal(pages.length, 3);
    const first = new URL(pages[0].url, hub.url);
    assert.deepEqual([first.searchParams.get('author'), first.searchParams.get('limit'), first.searchParams.get('search')], ['northwind-ai', '100', null]);
    assert.ok(pages[1].url.includes('cursor='), 'the next page is requested exactly as linked');
    assert.equal(result.failedItems, undefined);
    // Model infos plus one README: the others list none.
    assert.equal(hub.requests.filter((r) => r.path.startsWith('/api/models/')).length, NORTHWIND_COUNT);
    assert.equal(hub.requests.filter((r) => r.path.includes('/raw/main/')).length, 1);
  });

  it('does not take a short page for the last one', async () => {
    hub.pageSize = 40;
    assert.equal(names(await load(source({ maxModels: 0 }))).length, NORTHWIND_COUNT);
    assert.equal(hub.requestsTo('/api/models').length, 7);
  });

  it('stops at maxModels and says so', async () => {
    const result = await load(source({ maxModels: 100 }));
    assert.equal(names(result).length, 100);
    assert.equal(hub.requestsTo('/api/models').length, 1);
    assert.deepEqual(result.notices, ['maxModels cap of 100 reached for "northwind-ai/*"']);
    assert.ok(logs.some((l) => l.msg === 'maxModels cap of 100 reached for "northwind-ai/*"'));
  });

  it('applies the default cap of 500 only to larger organizations', async () => {
    const result = await load(source({}));
    assert.equal(names(result).length, NORTHWIND_COUNT);
    assert.equal(result.notices, undefined);
  });

  it('filters expanded names with the exclude patterns before fetching', async () => {
    const result = await load(source({}, ['northwind-ai/*'], ['*-1*', 'NORTHWIND-AI/HELM-00*']));
    const loaded = names(result);
    assert.equal(loaded.length, NORTHWIND_COUNT - 100 - 10);
    assert.ok(loaded.every((n) => !n.startsWith('northwind-ai/helm-1') && !n.startsWith('northwind-ai/helm-00')));
    assert.equal(hub.requestsTo('/api/models/northwind-ai/helm-100').length, 0, 'an excluded model is not fetched');
  });

  it('keeps only ids starting with the prefix although the fuzzy search returns others', async () => {
    const result = await load(source({}, ['contoso/embed*']));
    assert.deepEqual(names(result), ['contoso/embed-small-v2', 'contoso/embed-large']);
    assert.equal(new URL(hub.requestsTo('/api/models')[0].url, hub.url).searchParams.get('search'), 'embed');
    assert.equal(hub.requestsTo('/api/models/contoso/multi-embed').length, 0);
  });

  it('de-duplicates names across patterns, first occurrence first', async () => {
    const result = await load(source({}, ['contoso/embed-large', 'contoso/embed*', 'CONTOSO/EMBED-LARGE']));
    assert.deepEqual(names(result), ['contoso/embed-large', 'contoso/embed-small-v2']);
    assert.equal(hub.requestsTo('/api/models/contoso/embed-large').length, 1);
  });

  it('scopes patterns to allowedOrganization', async () => {
    const result = await load(source({ allowedOrganization: 'contoso' }, ['embed*'], ['*-large']));
    assert.deepEqual(names(result), ['contoso/embed-small-v2']);
  });

  it('does not follow a next link to another origin and reports the pattern', async () => {
    const foreign = await MockHuggingFace.start();
    try {
      hub.nextLinkOrigin = foreign.url;
      const result = await load(source({ maxModels: 0 }), { env: { HF_API_KEY: VALID_TOKEN } });
      assert.equal(names(result).length, 100);
      assert.equal(hub.requestsTo('/api/models').length, 1);
      assert.equal(foreign.requests.length, 0, 'no request (and no token) went to the other origin');
      assert.deepEqual(result.failedItems, [{
        file: 'northwind-ai/*', name: 'northwind-ai/*', message: `next page link for "northwind-ai/*" points to another origin (${foreign.url}); not followed`,
      }]);
      assert.deepEqual(result.keep, ['northwind-ai/*'], 'models the broken listing did not reach keep their stored version');
    } finally {
      await foreign.close();
    }
  });

  it('does not follow a redirect to another origin', async () => {
    hub.failNext('/api/models/contoso/embed-large', { status: 307, headers: { location: 'http://127.0.0.2:9/api/models/contoso/embed-large' } });
    hub.failNext('/api/models/contoso/embed-small-v2', { status: 307, headers: { location: '/api/models/contoso/bare' } });
    const result = await load(source({}, ['contoso/embed-large', 'contoso/embed-small-v2']));
    assert.deepEqual(names(result), ['contoso/bare'], 'a same-origin redirect (a renamed repository) is followed');
    assert.match(result.failedItems![0].message, /^redirect from .*\/api\/models\/contoso\/embed-large leaves http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('fails when no pattern yields a model', async () => {
    const error = await rejection(provider().fetch(request(source({}, ['nobody/*', 'ghost/x*']))));
    assert.equal(error.message, 'no models found: [nobody/*, ghost/x*]');
  });

  it('reports a failing pattern next to a working one', async () => {
    hub.failAlways('/api/models', { status: 500 });
    const result = await load(source({ maxRetries: 1 }, ['northwind-ai/*', 'contoso/embed-large']));
    assert.deepEqual(names(result), ['contoso/embed-large']);
    assert.deepEqual(result.failedItems?.map((f) => f.file), ['northwind-ai/*']);
    assert.match(result.failedItems![0].message, /^HTTP 500 Internal Server Error from http:\/\/127\.0\.0\.1:\d+\/api\/models \(after 1 retries\)$/);
  });
});

describe('hf provider: mapping', () => {
  it('maps every field of 03 §14.5 from a flat cardData', async () => {
    const result = await load(source({}, ['contoso/embed-small-v2']));
    const [model] = models(result);
    const { last_synced: lastSynced, ...custom } = model.customProperties;
    assert.match(lastSynced.string_value, /^\d{13}$/);
    assert.deepEqual({ ...model, customProperties: custom }, {
      name: 'contoso/embed-small-v2',
      externalId: 'contoso/embed-small-v2',
      description: 'Small embeddings.',
      readme: '# Embed small\n',
      language: ['de'],
      tasks: ['sentence-similarity', 'feature-extraction'],
      provider: 'contoso',
      logo: HF_LOGO,
      license: 'mit',
      licenseLink: 'https://contoso.example.com/license',
      libraryName: 'sentence-transformers',
      createTimeSinceEpoch: String(Date.parse('2024-11-05T08:30:00.000Z')),
      lastUpdateTimeSinceEpoch: String(Date.parse('2025-03-01T12:00:00.000Z')),
      customProperties: {
        hf_private: { metadataType: 'MetadataStringValue', string_value: 'false' },
        hf_gated: { metadataType: 'MetadataStringValue', string_value: 'false' },
        hf_tags: { metadataType: 'MetadataStringValue', string_value: '["sentence-transformers"]' },
        hf_architectures: { metadataType: 'MetadataStringValue', string_value: '["BertModel"]' },
        hf_model_type: { metadataType: 'MetadataStringValue', string_value: 'bert' },
      },
      artifacts: [{
        artifactType: 'model-artifact', name: 'contoso/embed-small-v2-hf-artifact', uri: 'hf://contoso/embed-small-v2', externalId: 'contoso/embed-small-v2',
        createTimeSinceEpoch: String(Date.parse('2024-11-05T08:30:00.000Z')), lastUpdateTimeSinceEpoch: String(Date.parse('2025-03-01T12:00:00.000Z')),
      }],
    });
    assert.ok(HF_LOGO.startsWith('data:image/svg+xml;base64,'));
    assert.ok(Buffer.from(HF_LOGO.split(',')[1], 'base64').toString('utf8').startsWith('<svg'));
  });

  it('reads nested cardData, falls back to the organization as provider and to cardData.license', async () => {
    const [model] = models(await load(source({}, ['contoso/nested-card'])));
    assert.deepEqual(
      [model.provider, model.license, model.licenseLink, model.language, model.description, model.tasks, model.readme],
      ['contoso', 'llama3.1', 'https://contoso.example.com/llama', ['en', 'fr'], 'Nested card.', ['text-generation'], 'nested readme'],
    );
    assert.equal(model.customProperties.hf_tags.string_value, '["gguf"]');
    assert.equal(model.customProperties.hf_architectures, undefined);
    assert.equal(hub.requestsTo('/contoso/nested-card/raw/main/readme.md').length, 1);
  });

  it('maps private and gated flags', async () => {
    const byName = Object.fromEntries(models(await load(source({}, ['contoso/embed-large', 'contoso/multi-embed']))).map((m) => [m.name, m.customProperties]));
    assert.deepEqual([byName['contoso/embed-large'].hf_private.string_value, byName['contoso/embed-large'].hf_gated.string_value], ['true', 'manual']);
    assert.deepEqual([byName['contoso/multi-embed'].hf_private.string_value, byName['contoso/multi-embed'].hf_gated.string_value], ['false', 'auto']);
  });

  it('leaves out what the hub does not give, and a README that cannot be fetched', async () => {
    const [model] = models(await load(source({}, ['contoso/bare'])));
    assert.deepEqual(Object.keys(model).sort(), ['artifacts', 'customProperties', 'externalId', 'logo', 'name', 'provider']);
    assert.deepEqual(model.artifacts, [{ artifactType: 'model-artifact', name: 'contoso/bare-hf-artifact', uri: 'hf://contoso/bare', externalId: 'contoso/bare' }]);
    assert.deepEqual(Object.keys(model.customProperties).sort(), ['hf_gated', 'hf_private', 'hf_tags', 'last_synced']);
    assert.equal(hub.requestsTo('/contoso/bare/raw/main/README.md').length, 1, 'the listed README was tried (404)');
  });

  it('leaves out a README over 1 MiB without failing the model', async () => {
    const [model] = models(await load(source({}, ['contoso/big-readme'])));
    assert.equal(model.readme, undefined);
    assert.equal(model.name, 'contoso/big-readme');
  });

  it('records the hub sha as provenance revision, one document per model', async () => {
    const result = await load(source({}, ['contoso/embed-small-v2', 'contoso/bare']));
    const [first, second] = result.documents;
    assert.equal(first.file, 'hf://contoso/embed-small-v2');
    assert.deepEqual(Object.keys(first.provenance).sort(), ['digest', 'fetchedAt', 'revision', 'type', 'uri']);
    assert.deepEqual([first.provenance.type, first.provenance.uri, first.provenance.revision], ['hf', 'contoso/embed-small-v2', hubModelInfo('contoso/embed-small-v2').sha]);
    assert.equal(first.provenance.digest, `sha256:${first.digest}`);
    assert.equal(second.provenance.revision, null, 'a model info without sha has no revision');
  });
});

describe('hf provider: change detection', () => {
  it('keeps digests and last_synced for unchanged models and changes them for a changed one', async () => {
    const src = source({}, ['contoso/embed*']);
    const first = await load(src);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await load(src, {}, { previousState: first.state });
    assert.deepEqual(second.documents.map((d) => d.text), first.documents.map((d) => d.text), 'the same bytes: nothing to write');

    const original = hubModelInfo('contoso/embed-large', { private: true, gated: 'manual' });
    hub.setModel({ ...original, lastModified: '2025-06-01T00:00:00.000Z', sha: 'f'.repeat(40) });
    try {
      const third = await load(src, {}, { previousState: second.state });
      assert.equal(third.documents[0].digest, first.documents[0].digest);
      assert.notEqual(third.documents[1].digest, first.documents[1].digest);
      const [small, large] = models(third);
      assert.equal(small.customProperties.last_synced.string_value, models(first)[0].customProperties.last_synced.string_value);
      assert.notEqual(large.customProperties.last_synced.string_value, models(first)[1].customProperties.last_synced.string_value);
      assert.equal(large.lastUpdateTimeSinceEpoch, String(Date.parse('2025-06-01T00:00:00.000Z')));
      assert.equal(third.documents[1].provenance.revision, 'f'.repeat(40));
    } finally {
      hub.setModel(original);
    }
  });

  it('excludes last_synced from the document digest', async () => {
    const src = source({}, ['contoso/embed-small-v2']);
    const first = await load(src);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await load(src);
    assert.notEqual(models(first)[0].customProperties.last_synced.string_value, models(second)[0].customProperties.last_synced.string_value);
    assert.equal(first.documents[0].digest, second.documents[0].digest);
  });
});

describe('hf provider: tokens', () => {
  const authHeaders = () => hub.requests.map((r) => r.headers.authorization);

  it('takes the token from an {env} reference, checks it and sends it as Bearer', async () => {
    await load(source({ apiKey: { env: 'CATALOG_SECRET_HF_TOKEN' } }, ['contoso/embed-large']));
    assert.equal(hub.requests[0].path, '/api/whoami-v2');
    assert.ok(authHeaders().every((h) => h === `Bearer ${VALID_TOKEN}`));
    assert.equal(hub.requests[0].headers['user-agent'], `catalog-server/${SERVER_VERSION}`);
    assert.equal(hub.requests[0].headers.accept, 'application/json');
  });

  it('takes the token from a {file} reference', async () => {
    await load(source({ apiKey: { file: 'hf-token' } }, ['contoso/embed-large']));
    assert.ok(authHeaders().every((h) => h === `Bearer ${VALID_TOKEN}`));
  });

  it('takes the token from HF_API_KEY, or the variable apiKeyEnvVar names', async () => {
    await load(source({}, ['contoso/embed-large']), { env: { HF_API_KEY: VALID_TOKEN } });
    assert.equal(hub.requestsTo('/api/whoami-v2').length, 1);
    assert.ok(authHeaders().every((h) => h === `Bearer ${VALID_TOKEN}`));
    hub.reset();
    await load(source({ apiKeyEnvVar: 'TEAM_HF_TOKEN' }, ['contoso/embed-large']), { env: { HF_API_KEY: 'hf_other', TEAM_HF_TOKEN: VALID_TOKEN } });
    assert.ok(authHeaders().every((h) => h === `Bearer ${VALID_TOKEN}`));
  });

  it('works anonymously without a token', async () => {
    await load(source({}, ['contoso/embed-large']));
    assert.equal(hub.requestsTo('/api/whoami-v2').length, 0);
    assert.ok(authHeaders().every((h) => h === undefined));
  });

  it('never sends a token without the hf_ prefix', async () => {
    await load(source({}, ['contoso/embed-large']), { env: { HF_API_KEY: 'not-a-hub-token-123' } });
    assert.equal(hub.requestsTo('/api/whoami-v2').length, 0);
    assert.ok(authHeaders().every((h) => h === undefined));
    const warning = logs.find((l) => l.level === 'warn');
    assert.match(warning!.msg, /does not start with "hf_"/);
    assert.ok(!JSON.stringify(logs).includes('not-a-hub-token-123'));
  });

  it('fails the refresh on a rejected token without revealing it', async () => {
    const secret = 'hf_wrong_0c1d2e3f';
    const error = await rejection(provider({ env: { HF_API_KEY: secret } }).fetch(request(source({}, ['contoso/embed-large']))));
    assert.equal(error.message, 'invalid Hugging Face API credentials');
    assert.equal(hub.requests.length, 1, 'nothing is fetched after the failed check');
    assert.ok(!JSON.stringify(logs).includes(secret));
  });

  it('fails with the status when the credential check fails otherwise', async () => {
    hub.failAlways('/api/whoami-v2', { status: 403 });
    const error = await rejection(provider({ env: { HF_API_KEY: VALID_TOKEN } }).fetch(request(source({}, ['contoso/embed-large']))));
    assert.match(error.message, /^Hugging Face credential check failed: HTTP 403 Forbidden from http:\/\/127\.0\.0\.1:\d+\/api\/whoami-v2$/);
    assert.ok(!error.message.includes(VALID_TOKEN));
  });

  it('reports an unresolvable reference with the property path', async () => {
    const error = await rejection(provider().fetch(request(source({ apiKey: { env: 'CATALOG_SECRET_MISSING' } }, ['contoso/embed-large']))));
    assert.equal(error.message, 'failed to resolve secret for property "apiKey": environment variable "CATALOG_SECRET_MISSING" is not set');
  });
});

describe('hf provider: rate limits, retries and failures', () => {
  it('waits for Retry-After on a 429 and pauses the other requests of the source', async () => {
    hub.failNext('/api/models/northwind-ai/helm-003', { status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const result = await load(source({ concurrency: 2 }, ['northwind-ai/helm-00*']));
    assert.equal(names(result).length, 10);
    assert.ok(Date.now() - started >= 1000);
    const limited = hub.requestsTo('/api/models/northwind-ai/helm-003')[0].at;
    const later = hub.requests.filter((r) => r.at > limited + 100);
    assert.ok(later.length > 0);
    assert.ok(later.every((r) => r.at >= limited + 900), 'no request went out while the source was paused');
    assert.equal(hub.requestsTo('/api/models/northwind-ai/helm-003').length, 2);
  });

  it('honours the t= of a RateLimit header when there is no Retry-After', async () => {
    hub.failNext('/api/models/contoso/embed-large', { status: 429, headers: { ratelimit: '"api";r=0;t=1' } });
    const started = Date.now();
    await load(source({}, ['contoso/embed-large']));
    assert.ok(Date.now() - started >= 1000);
    assert.equal(hub.requestsTo('/api/models/contoso/embed-large').length, 2);
  });

  it('retries 503 twice, then succeeds', async () => {
    hub.failNext('/api/models/contoso/embed-large', { status: 503 }, { status: 503 });
    const result = await load(source({}, ['contoso/embed-large']));
    assert.deepEqual(names(result), ['contoso/embed-large']);
    assert.equal(hub.requestsTo('/api/models/contoso/embed-large').length, 3);
  });

  it('keeps the stored version of a model still failing after all retries', async () => {
    hub.failAlways('/api/models/contoso/embed-large', { status: 429, headers: { 'retry-after': '0' } });
    const result = await load(source({ maxRetries: 2 }, ['contoso/embed-large', 'contoso/embed-small-v2']));
    assert.deepEqual(names(result), ['contoso/embed-small-v2']);
    assert.equal(hub.requestsTo('/api/models/contoso/embed-large').length, 3);
    assert.deepEqual(result.keep, ['contoso/embed-large']);
    assert.equal(result.failedItems?.length, 1);
    assert.deepEqual([result.failedItems![0].file, result.failedItems![0].name], ['hf://contoso/embed-large', 'contoso/embed-large']);
    assert.match(result.failedItems![0].message, /^HTTP 429 Too Many Requests from .*\/api\/models\/contoso\/embed-large \(after 2 retries\)$/);
  });

  it('gives up at once on a Retry-After beyond 300 s', async () => {
    hub.failNext('/api/models/contoso/embed-large', { status: 429, headers: { 'retry-after': '301' } });
    const result = await load(source({}, ['contoso/embed-large', 'contoso/embed-small-v2']));
    assert.equal(hub.requestsTo('/api/models/contoso/embed-large').length, 1);
    assert.match(result.failedItems![0].message, /\(Retry-After of 301 s exceeds 300 s\)$/);
  });

  it('drops a 404 model and reports it without keeping it', async () => {
    const result = await load(source({}, ['contoso/embed-large', 'contoso/vanished']));
    assert.deepEqual(names(result), ['contoso/embed-large']);
    assert.equal(result.keep, undefined);
    assert.deepEqual(result.failedItems?.map((f) => [f.file, f.name]), [['hf://contoso/vanished', 'contoso/vanished']]);
    assert.match(result.failedItems![0].message, /^HTTP 404 Not Found from /);
    assert.equal(hub.requestsTo('/api/models/contoso/vanished').length, 1, '404 is final');
  });

  it('fails the refresh when no model could be fetched', async () => {
    const error = await rejection(provider().fetch(request(source({}, ['contoso/vanished', 'contoso/gone']))));
    assert.match(error.message, /^no model could be fetched: contoso\/vanished: HTTP 404 Not Found from .* \(and 1 more\)$/);
  });

  it('times out a slow response and retries it', async () => {
    hub.failNext('/api/models/contoso/embed-large', { delayMs: 1500, status: 200, body: '{}' });
    const result = await load(source({ requestTimeout: '1s', maxRetries: 1 }, ['contoso/embed-large']));
    assert.deepEqual(names(result), ['contoso/embed-large']);
    assert.equal(hub.requestsTo('/api/models/contoso/embed-large').length, 2);
  });

  it('reports a model that keeps timing out and keeps its stored version', async () => {
    hub.failAlways('/api/models/contoso/embed-large', { delayMs: 1500, status: 200, body: '{}' });
    const result = await load(source({ requestTimeout: '1s', maxRetries: 0 }, ['contoso/embed-large', 'contoso/embed-small-v2']));
    assert.match(result.failedItems![0].message, /^request to .*\/api\/models\/contoso\/embed-large timed out after 1 s \(after 0 retries\)$/);
    assert.deepEqual(result.keep, ['contoso/embed-large']);
  });

  it('refuses a response larger than CATALOG_MAX_SOURCE_BYTES', async () => {
    hub.failAlways('/api/models/contoso/embed-large', { status: 200, body: JSON.stringify({ id: 'contoso/embed-large', padding: 'x'.repeat(5000) }) });
    const result = await load(source({}, ['contoso/embed-large', 'contoso/embed-small-v2']), {
      fetchContext: { baseDir: '/', dataRoots: [], maxBytes: 4096 },
    });
    assert.deepEqual(names(result), ['contoso/embed-small-v2']);
    assert.match(result.failedItems![0].message, /^response body from .*\/api\/models\/contoso\/embed-large exceeds maximum size of 4096 bytes$/);
    assert.equal(result.keep, undefined, 'an oversized answer is final, not transient');
  });

  it('never has more than concurrency requests in flight', async () => {
    hub.latencyMs = 20;
    await load(source({ concurrency: 2 }, ['northwind-ai/helm-0*']));
    assert.ok(hub.peakInFlight <= 2, `peak ${hub.peakInFlight}`);
    assert.ok(hub.peakInFlight === 2, 'requests do run in parallel');
  });

  it('spaces requests by maxRequestsPerMinute', async () => {
    const started = Date.now();
    // 600/min: a burst of 10, then one request every 100 ms; 1 list page + 12 infos (and one README).
    await load(source({ maxRequestsPerMinute: 600 }, ['northwind-ai/helm-00*', 'northwind-ai/helm-010', 'northwind-ai/helm-011']));
    assert.ok(Date.now() - started >= 250, `took ${Date.now() - started} ms`);
  });

  it('stops pending requests when the refresh is aborted', async () => {
    hub.failAlways('/api/models/contoso/embed-large', { delayMs: 3000, status: 200, body: '{}' });
    const controller = new AbortController();
    const reason = new ProviderError('refresh timed out after 1s');
    setTimeout(() => controller.abort(reason), 200);
    const started = Date.now();
    await assert.rejects(provider().fetch(request(source({}, ['contoso/embed-large']), { signal: controller.signal })), reason);
    assert.ok(Date.now() - started < 2000);
  });
});

describe('hf provider: the real hub', () => {
  it('loads a public model anonymously', { skip: process.env.CATALOG_TEST_HF_LIVE !== '1' && 'set CATALOG_TEST_HF_LIVE=1 to run' }, async () => {
    const result = await load(source({ url: 'https://huggingface.co', maxRequestsPerMinute: 60 }, ['openai-community/gpt2']));
    const [model] = models(result);
    assert.equal(model.name, 'openai-community/gpt2');
    assert.match(String(result.documents[0].provenance.revision), /^[0-9a-f]{40}$/);
  });
});
