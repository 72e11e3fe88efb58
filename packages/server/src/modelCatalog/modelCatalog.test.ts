import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { stringify } from 'yaml';
import { describeEachDatabase } from '../testing/databases.js';
import { hubModelInfo, MockHuggingFace, VALID_TOKEN } from '../testing/mockHuggingFace.js';
import { startTestServer, type TestServer } from '../testing/testServer.js';

/**
 * The model catalog API (spec 03 §16) over three original sources in the reference document format
 * (`source`, `models`, nested `artifacts`). Expected values are computed here from the fixture data.
 */
const BASE = '/api/model_catalog/v1alpha1';

const S = (v: string) => ({ metadataType: 'MetadataStringValue', string_value: v });
const I = (v: string) => ({ metadataType: 'MetadataIntValue', int_value: v });
const D = (v: number) => ({ metadataType: 'MetadataDoubleValue', double_value: v });

interface Perf { name?: string; hw?: number; type?: string; rps?: number; p90?: number }
const perf = (p: Perf) => ({
  ...(p.name ? { name: p.name } : {}),
  artifactType: 'metrics-artifact',
  metricsType: 'performance-metrics',
  customProperties: {
    ...(p.type !== undefined ? { hardware_type: S(p.type) } : {}),
    ...(p.hw !== undefined ? { hardware_count: I(String(p.hw)) } : {}),
    ...(p.rps !== undefined ? { requests_per_second: D(p.rps) } : {}),
    ...(p.p90 !== undefined ? { ttft_p90: D(p.p90) } : {}),
  },
});
const accuracy = (overall: number) => ({ artifactType: 'metrics-artifact', metricsType: 'accuracy-metrics', customProperties: { overall_average: D(overall) } });

const LAB_A = {
  source: 'Lab A',
  models: [
    {
      name: 'acme/wave-8b', provider: 'Acme', description: 'General assistant.', tasks: ['text-generation'], license: 'Apache-2.0',
      libraryName: 'transformers', language: ['en'],
      customProperties: { parameter_count: I('8000000000') },
      artifacts: [
        { uri: 'oci://registry.example.com/acme/wave-8b:1' },
        perf({ type: 'H100', hw: 2, rps: 8, p90: 150 }),
        perf({ type: 'A100', hw: 1, rps: 5, p90: 90 }),
        accuracy(70),
      ],
    },
    {
      name: 'acme/wave-3b', provider: 'Acme', description: 'Scores 100% on the smoke suite.', tasks: ['text-generation'], license: 'LLAMA3.1',
      libraryName: 'vllm', customProperties: { parameter_count: I('3000000000') },
      artifacts: [perf({ type: 'H100', hw: 1, rps: 10, p90: 110 }), accuracy(60)],
    },
    {
      name: 'acme/all-kinds', provider: 'Acme', description: 'Every metadata kind.', tasks: ['text-classification'], license: 'cc-by-4.0',
      customProperties: {
        s: { string_value: 'text' },
        i: { metadataType: 'MetadataIntValue', int_value: '9223372036854775807' },
        d: { double_value: 2.5 },
        b: { bool_value: false },
        st: { struct_value: 'eyJrIjoidiJ9' },
        p: { metadataType: 'MetadataProtoValue', type: 'example.Proto', proto_value: 'CgR0ZXN0' },
      },
    },
    {
      // The worked example of spec 03 §8.3 (targetRPS=10): ids ascend in list order.
      name: 'acme/worked', provider: 'Acme', description: 'Worked example.', tasks: ['text-generation'], license: 'other',
      artifacts: [
        perf({ name: 'w1', type: 'H100', hw: 1, rps: 4, p90: 180 }),
        perf({ name: 'w2', type: 'H100', hw: 2, rps: 8, p90: 150 }),
        perf({ name: 'w3', type: 'H100', hw: 4, rps: 15, p90: 120 }),
        perf({ name: 'w4', type: 'H100', hw: 8, rps: 25, p90: 118 }),
        perf({ name: 'w5', type: 'H100', hw: 2, rps: 3, p90: 200 }),
      ],
    },
  ],
};
const LAB_B = {
  source: 'Lab B',
  models: [
    {
      name: 'beta/echo-embed', provider: 'Beta', description: 'Embeddings.', tasks: ['text-embedding'], license: 'My License',
      artifacts: [perf({ type: 'L40S', hw: 1, rps: 100, p90: 40 }), accuracy(55)],
    },
    { name: 'acme/wave-8b', provider: 'Acme Mirror', description: 'Mirror copy.', tasks: ['text-generation'], license: 'mit' },
    {
      // ε: group A100 keeps 104 and 90; 85 is only 5.6 % better than 90 ≤ 100 (ε 0.10). Group H100 keeps 150 and 142 (5.3 % > 0.05).
      name: 'beta/eps', provider: 'Beta', description: 'Epsilon groups.', tasks: ['text-generation'], license: 'mit',
      artifacts: [
        perf({ name: 'a85', type: 'A100', hw: 8, rps: 1, p90: 85 }),
        perf({ name: 'a90', type: 'A100', hw: 4, rps: 1, p90: 90 }),
        perf({ name: 'a100', type: 'A100', hw: 2, rps: 1, p90: 100 }),
        perf({ name: 'a104', type: 'A100', hw: 1, rps: 1, p90: 104 }),
        perf({ name: 'h150', type: 'H100', hw: 2, rps: 1, p90: 150 }),
        perf({ name: 'h142', type: 'H100', hw: 4, rps: 1, p90: 142 }),
      ],
    },
    {
      name: 'beta/no-hardware', provider: 'Beta', description: 'Lacks hardware_type.', tasks: ['summarization'], license: 'mit',
      artifacts: [perf({ hw: 1, rps: 2, p90: 300 })],
    },
  ],
};
const LAB_C = {
  source: 'Lab C',
  models: [{ name: 'gamma/solo', provider: 'Gamma', description: 'No labels.', tasks: ['text-generation'], license: 'mit' }],
};

const SOURCES = `catalogs:
  models:
    sources:
      - {id: lab-a, name: Lab A, type: yaml, labels: [Curated], properties: {yamlCatalogPath: lab-a.yaml}}
      - {id: lab-b, name: Lab B, type: yaml, labels: [community], properties: {yamlCatalogPath: lab-b.yaml}}
      - {id: lab-c, name: Lab C, type: yaml, properties: {yamlCatalogPath: lab-c.yaml}}
      - {id: lab-off, name: Lab Off, type: yaml, enabled: false, properties: {yamlCatalogPath: lab-c.yaml}}
    labels:
      - {name: community, displayName: Community}
      - {name: curated, displayName: Curated, description: Reviewed}
      - {name: null, displayName: Unlabelled}
    namedQueries:
      best:
        artifacts.overall_average.double_value: {operator: ">=", value: max}
      fast:
        artifacts.ttft_p90.double_value: {operator: "<", value: 120}
`;

type Json = Record<string, any>;
const json = (response: { body: string }) => JSON.parse(response.body) as Json;
const names = (body: Json) => (body.items as Json[]).map((item) => item.name as string);
const allModels: Json[] = [...LAB_A.models.map((m) => ({ ...m, source: 'lab-a' })), ...LAB_B.models.map((m) => ({ ...m, source: 'lab-b' })), ...LAB_C.models.map((m) => ({ ...m, source: 'lab-c' }))];

describeEachDatabase('model catalog API', (kind) => {
  let t: TestServer;
  let hub: MockHuggingFace;
  const get = async (url: string) => t.inject({ method: 'GET', url });
  before(async () => {
    hub = await MockHuggingFace.start();
    for (const name of ['helm-8b', 'helm-8b-draft', 'helm-70b']) hub.setModel(hubModelInfo(`northwind-ai/${name}`));
    hub.setModel(hubModelInfo('Contoso/Embed-Small-V2'));
    t = await startTestServer({
      kind,
      files: { 'sources.yaml': SOURCES, 'lab-a.yaml': stringify(LAB_A), 'lab-b.yaml': stringify(LAB_B), 'lab-c.yaml': stringify(LAB_C) },
      env: { CATALOG_HF_ALLOWED_URLS: hub.url, CATALOG_SECRET_HF: VALID_TOKEN },
    });
  });
  after(async () => {
    await t.close();
    await hub.close();
  });

  test('lists every model of the enabled sources with the legacy list shape (§16.2)', async () => {
    const body = json(await get(`${BASE}/models?pageSize=100`));
    assert.equal(body.size, allModels.length);
    assert.equal(body.totalSize, allModels.length);
    assert.equal(body.pageSize, 100);
    assert.equal(body.nextPageToken, '');
    const expected = allModels.map((m) => `${m.source}:${m.name}`).sort();
    assert.deepEqual((body.items as Json[]).map((m) => `${m.source_id}:${m.name}`).sort(), expected);
    for (const item of body.items as Json[]) assert.equal(item.source_id, item.sourceId);
    for (const path of ['/models', '/labels', '/sources']) assert.equal(json(await get(`${BASE}${path}`)).pageSize, 10, path);
  });

  test('errors carry error, message and the legacy code (§16.3)', async () => {
    const cases: [string, number, string][] = [
      [`${BASE}/models?pageSize=abc`, 400, 'Bad Request'],
      [`${BASE}/models?sortOrder=sideways`, 400, 'Bad Request'],
      [`${BASE}/models?orderBy=SIZE`, 400, 'Bad Request'],
      [`${BASE}/models?orderBy=x.float_value`, 400, 'Bad Request'],
      [`${BASE}/models?filterQuery=${encodeURIComponent('name = ')}`, 400, 'Bad Request'],
      [`${BASE}/sources/nope/models/acme/wave-8b`, 404, 'Not Found'],
      [`${BASE}/models/acme/nothing`, 404, 'Not Found'],
    ];
    for (const [url, status, code] of cases) {
      const response = await get(url);
      assert.equal(response.statusCode, status, url);
      const body = json(response);
      assert.equal(body.code, code, url);
      assert.equal(typeof body.error, 'string');
      assert.equal(typeof body.message, 'string');
    }
    assert.equal(json(await get(`${BASE}/sources/nope/models/acme/wave-8b`)).message, "No model found 'acme/wave-8b' in source 'nope'");
  });

  test('names with "/" work encoded and raw; name-only get follows source order (§16.4)', async () => {
    const raw = json(await get(`${BASE}/sources/lab-a/models/acme/wave-8b`));
    const encoded = json(await get(`${BASE}/sources/lab-a/models/acme%2Fwave-8b`));
    assert.equal(raw.id, encoded.id);
    assert.equal(raw.description, 'General assistant.');
    assert.equal(json(await get(`${BASE}/models/acme/wave-8b`)).source_id, 'lab-a');
    assert.equal(json(await get(`${BASE}/models/acme/wave-8b?sourceId=lab-b`)).description, 'Mirror copy.');
    assert.equal((await get(`${BASE}/sources/lab-off/models/gamma/solo`)).statusCode, 404);
  });

  test('custom properties of all six kinds round-trip with their types (§16.5)', async () => {
    const model = json(await get(`${BASE}/models/acme/all-kinds`));
    assert.deepEqual(model.customProperties, {
      s: S('text'),
      i: I('9223372036854775807'),
      d: D(2.5),
      b: { metadataType: 'MetadataBoolValue', bool_value: false },
      st: { metadataType: 'MetadataStructValue', struct_value: 'eyJrIjoidiJ9' },
      p: { metadataType: 'MetadataProtoValue', type: 'example.Proto', proto_value: 'CgR0ZXN0' },
    });
  });

  test('licenses are normalized and filterable by the stored value (§16.6)', async () => {
    const license = async (name: string) => json(await get(`${BASE}/models/${name}`)).license;
    assert.equal(await license('acme/wave-8b'), 'Apache 2.0');
    assert.equal(await license('acme/wave-3b'), 'Llama 3.1 Community License');
    assert.equal(await license('acme/all-kinds'), 'Creative Commons Attribution 4.0 International');
    assert.equal(await license('acme/worked'), 'other');
    assert.equal(await license('beta/echo-embed'), 'My License');
    const body = json(await get(`${BASE}/models?filterQuery=${encodeURIComponent("license='Apache 2.0'")}`));
    assert.deepEqual(names(body), ['acme/wave-8b']);
  });

  test('source, sourceLabel and q (§16.7, §16.8)', async () => {
    const list = async (query: string) => json(await get(`${BASE}/models?pageSize=100&${query}`));
    const commaSeparated = await list('source=lab-a,lab-c');
    assert.deepEqual(names(commaSeparated), names(await list('source=lab-a&source=lab-c')));
    assert.equal(commaSeparated.totalSize, LAB_A.models.length + LAB_C.models.length);
    const both = await get(`${BASE}/models?source=lab-a&sourceLabel=curated`);
    assert.equal(both.statusCode, 400);
    assert.equal(json(both).message, 'source and sourceLabel cannot be used together');
    assert.deepEqual(names(await list('sourceLabel=null')), ['gamma/solo']);
    assert.equal((await list('sourceLabel=CURATED')).totalSize, LAB_A.models.length);
    const unknown = await get(`${BASE}/models?sourceLabel=nobody`);
    assert.equal(unknown.statusCode, 200);
    assert.equal(json(unknown).totalSize, 0);
    assert.deepEqual(names(await list('q=transformers')), ['acme/wave-8b']);
    assert.deepEqual(names(await list('q=100%25')), ['acme/wave-3b']);
    assert.deepEqual(names(await list('q=10%25')), []);
  });

  test('artifact conditions in one AND-chain are met by one artifact (§16.9)', async () => {
    const list = async (filter: string) => names(json(await get(`${BASE}/models?pageSize=100&source=lab-a&filterQuery=${encodeURIComponent(filter)}`)));
    // Independently: models with one artifact that is H100 with p90 < 120.
    const sameArtifact = LAB_A.models.filter((m) => (m.artifacts ?? []).some((a: Json) => a.customProperties?.hardware_type?.string_value === 'H100' && a.customProperties?.ttft_p90?.double_value < 120)).map((m) => m.name).sort();
    assert.deepEqual(await list("tasks='text-generation' AND artifacts.hardware_type='H100' AND artifacts.ttft_p90 < 120"), sameArtifact);
    assert.ok(!sameArtifact.includes('acme/wave-8b'));
    assert.ok((await list("tasks='text-generation' AND (artifacts.hardware_type='H100' OR artifacts.ttft_p90 < 120)")).includes('acme/wave-8b'));
  });

  test('orderBy ACCURACY, artifact aggregates and model properties (§16.10)', async () => {
    const list = async (query: string) => names(json(await get(`${BASE}/models?pageSize=100&${query}`)));
    const withAccuracy = allModels
      .map((m) => ({ name: m.name, source: m.source, acc: (m.artifacts ?? []).map((a: Json) => a.customProperties?.overall_average?.double_value).filter((v: unknown) => v !== undefined) as number[] }))
      .filter((m) => m.acc.length > 0)
      .sort((a, b) => Math.max(...b.acc) - Math.max(...a.acc))
      .map((m) => m.name);
    const byAccuracy = await list('orderBy=ACCURACY&sortOrder=DESC');
    assert.deepEqual(byAccuracy.slice(0, withAccuracy.length), withAccuracy);
    assert.equal(byAccuracy.length, allModels.length);
    // Minimum p90 over the H100 artifacts only: wave-3b 110, worked 118, wave-8b 150.
    const h100 = await list(`filterQuery=${encodeURIComponent("artifacts.hardware_type='H100'")}&orderBy=artifacts.ttft_p90.double_value&source=lab-a`);
    assert.deepEqual(h100, ['acme/wave-3b', 'acme/worked', 'acme/wave-8b']);
    const byProvider = await list('orderBy=provider.string_value&source=lab-b&sortOrder=DESC');
    // Ties (the three "Beta" models) by id, ascending in both directions.
    assert.deepEqual(byProvider, ['beta/echo-embed', 'beta/eps', 'beta/no-hardware', 'acme/wave-8b']);
    // The sortable columns of the capabilities document are orderBy values too (07 §4.3 B).
    for (const column of ['provider', 'license', 'sourceId']) {
      const values = async (sortOrder: string) => (json(await get(`${BASE}/models?pageSize=100&orderBy=${column}&sortOrder=${sortOrder}`)).items as Json[]).map((m) => m[column]).filter((v: unknown) => v !== undefined);
      const ascending = await values('ASC');
      assert.ok(ascending.length > 1, column);
      assert.deepEqual(ascending, [...ascending].sort(), column);
      assert.deepEqual(await values('DESC'), [...ascending].reverse(), column);
    }
  });

  test('paging with pageSize=3 visits every model once under every orderBy (§16.11)', async () => {
    for (const orderBy of ['NAME', 'ID', 'CREATE_TIME', 'LAST_UPDATE_TIME', 'ACCURACY', 'provider.string_value', 'parameter_count.int_value', 'artifacts.ttft_p90.double_value']) {
      for (const sortOrder of ['ASC', 'DESC']) {
        const seen: string[] = [];
        let token = '';
        do {
          const response = await get(`${BASE}/models?pageSize=3&orderBy=${orderBy}&sortOrder=${sortOrder}${token ? `&nextPageToken=${token}` : ''}`);
          assert.equal(response.statusCode, 200, `${orderBy} ${response.body}`);
          const body = json(response);
          seen.push(...(body.items as Json[]).map((m) => m.id as string));
          token = body.nextPageToken;
        } while (token);
        assert.equal(seen.length, allModels.length, `${orderBy} ${sortOrder}`);
        assert.equal(new Set(seen).size, allModels.length, `${orderBy} ${sortOrder}`);
      }
    }
  });

  test('the artifacts route (§16.12)', async () => {
    const url = `${BASE}/sources/lab-a/models/acme%2Fwave-8b/artifacts`;
    const all = json(await get(url));
    assert.equal(all.totalSize, LAB_A.models[0].artifacts!.length);
    assert.deepEqual(json(await get(`${url}?artifactType=model-artifact`)).items.map((a: Json) => a.uri), ['oci://registry.example.com/acme/wave-8b:1']);
    assert.equal(json(await get(`${url}?artifact_type=metrics-artifact`)).totalSize, 3);
    assert.equal(json(await get(`${url}?artifactType=model-artifact,metrics-artifact`)).totalSize, 4);
    assert.equal((await get(`${url}?artifactType=foo`)).statusCode, 400);
    const byP90 = json(await get(`${url}?orderBy=ttft_p90.double_value`)).items as Json[];
    assert.deepEqual(byP90.map((a) => a.customProperties.ttft_p90?.double_value), [90, 150, undefined, undefined]);
    const fallback = json(await get(`${url}?orderBy=ttft_p90`)).items as Json[];
    assert.deepEqual(fallback.map((a) => a.id), [...fallback.map((a) => a.id)].sort((a, b) => Number(a) - Number(b)));
    assert.equal((await get(`${url}?orderBy=ttft_p90.bogus`)).statusCode, 400);
    assert.equal((await get(`${BASE}/sources/lab-a/models/acme%2Fnothing/artifacts`)).statusCode, 404);
    const paged = json(await get(`${url}?pageSize=3`));
    const rest = json(await get(`${url}?pageSize=3&nextPageToken=${paged.nextPageToken}`));
    assert.equal(paged.size + rest.size, 4);
    assert.equal(rest.nextPageToken, '');
  });

  test('performance artifacts with sizing (§16.13) and the worked example (§16.14)', async () => {
    const url = `${BASE}/sources/lab-a/models/acme%2Fworked/artifacts/performance`;
    const sized = json(await get(`${url}?targetRPS=10&pageSize=100`)).items as Json[];
    const expected = LAB_A.models[3].artifacts!.map((a: Json) => Math.ceil(10 / a.customProperties.requests_per_second.double_value));
    assert.deepEqual(sized.map((a) => a.customProperties.replicas), expected.map((r) => I(String(r))));
    assert.deepEqual(sized.map((a) => a.customProperties.total_requests_per_second.double_value),
      LAB_A.models[3].artifacts!.map((a: Json, i) => expected[i] * a.customProperties.requests_per_second.double_value));
    assert.equal((json(await get(url)).items as Json[])[0].customProperties.replicas, undefined, 'never stored');
    const recommended = json(await get(`${url}?targetRPS=10&recommendations=true`));
    assert.deepEqual((recommended.items as Json[]).map((a) => a.name), ['w1', 'w3']);
    assert.equal(recommended.totalSize, 2);
    const eps = json(await get(`${BASE}/sources/lab-b/models/beta%2Feps/artifacts/performance?recommendations=true&orderBy=NAME`));
    assert.deepEqual((eps.items as Json[]).map((a) => a.name), ['a104', 'a90', 'h142', 'h150']);
    assert.equal(json(await get(`${BASE}/sources/lab-a/models/acme%2Fwave-8b/artifacts/performance`)).totalSize, 2);
  });

  test('recommendations validate the properties they use (§16.15)', async () => {
    const url = `${BASE}/sources/lab-b/models/beta%2Fno-hardware/artifacts/performance`;
    const response = await get(`${url}?recommendations=true`);
    assert.equal(response.statusCode, 400);
    assert.equal(json(response).message, 'properties not found in any performance artifacts: [hardware_type]');
    assert.equal((await get(url)).statusCode, 200);
    assert.equal((await get(`${url}?targetRPS=abc`)).statusCode, 400);
    assert.equal((await get(`${url}?recommendations=maybe`)).statusCode, 400);
  });

  test('GET /models?recommendations=true orders by recommended latency (§16.16)', async () => {
    const body = json(await get(`${BASE}/models?recommendations=true&pageSize=100&orderBy=NAME&sortOrder=DESC`));
    // Recommended latencies at targetRPS 1: echo-embed 40, wave-8b(lab-a) 90, eps 90, wave-3b 110, worked 118, no-hardware 300.
    assert.deepEqual(names(body), [
      'beta/echo-embed', 'acme/wave-8b', 'beta/eps', 'acme/wave-3b', 'acme/worked', 'beta/no-hardware',
      'acme/all-kinds', 'acme/wave-8b', 'gamma/solo',
    ]);
    const filtered = json(await get(`${BASE}/models?recommendations=true&sourceLabel=curated&q=wave&filterQuery=${encodeURIComponent("artifacts.hardware_type='H100'")}`));
    // Only H100 artifacts count: wave-3b 110 before wave-8b 150.
    assert.deepEqual(names(filtered), ['acme/wave-3b', 'acme/wave-8b']);
  });

  test('filter options (§16.17)', async () => {
    const body = json(await get(`${BASE}/models/filter_options`));
    const licenses = ['Apache 2.0', 'Creative Commons Attribution 4.0 International', 'Llama 3.1 Community License', 'MIT', 'My License', 'other'];
    assert.deepEqual(body.filters.license, { type: 'string', values: licenses });
    const providers = [...new Set(allModels.map((m) => m.provider))].sort();
    assert.deepEqual(body.filters.provider.values, providers);
    const p90s = allModels.flatMap((m) => (m.artifacts ?? []).map((a: Json) => a.customProperties?.ttft_p90?.double_value).filter((v: unknown) => v !== undefined)) as number[];
    assert.deepEqual(body.filters['artifacts.ttft_p90.double_value'], { type: 'number', range: { min: Math.min(...p90s), max: Math.max(...p90s) } });
    assert.deepEqual(body.filters['parameter_count.int_value'].range, { min: 3000000000, max: 8000000000 });
    assert.deepEqual(body.filters['artifacts.hardware_type.string_value'].values, ['A100', 'H100', 'L40S']);
    for (const excluded of ['name', 'description', 'b.bool_value', 'st.string_value']) assert.equal(body.filters[excluded], undefined, excluded);
    assert.deepEqual(body.namedQueries.best, { 'artifacts.overall_average.double_value': { operator: '>=', value: 70 } });
    assert.deepEqual(body.namedQueries.fast, { 'artifacts.ttft_p90.double_value': { operator: '<', value: 120 } });
  });

  test('labels and the legacy sources list (§16.19, §16.20)', async () => {
    assert.deepEqual(names(json(await get(`${BASE}/labels`))), ['community', 'curated', null]);
    assert.deepEqual(names(json(await get(`${BASE}/labels?orderBy=description`))), ['curated', 'community', null]);
    const paged = json(await get(`${BASE}/labels?pageSize=2`));
    assert.equal(paged.size, 2);
    assert.equal(json(await get(`${BASE}/labels?pageSize=2&nextPageToken=${paged.nextPageToken}`)).items[0].name, null);
    const sources = json(await get(`${BASE}/sources?orderBy=NAME&sortOrder=DESC`));
    assert.deepEqual((sources.items as Json[]).map((s) => s.id), ['lab-off', 'lab-c', 'lab-b', 'lab-a']);
    const off = (sources.items as Json[]).find((s) => s.id === 'lab-off')!;
    assert.equal(off.status, 'disabled');
    assert.deepEqual(off.labels, []);
    for (const source of sources.items as Json[]) assert.ok(['available', 'error', 'disabled', undefined].includes(source.status));
    assert.deepEqual((json(await get(`${BASE}/sources?name=LAB%20B`)).items as Json[]).map((s) => s.id), ['lab-b']);
    assert.equal((await get(`${BASE}/sources?orderBy=CREATE_TIME`)).statusCode, 400);
  });

  test('source preview (§16.21)', async () => {
    const preview = (parts: Record<string, string>, query = '') => {
      const boundary = 'xBOUNDARYx';
      const payload = Object.entries(parts).map(([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${name === 'catalogData' ? '; filename="models.yaml"' : ''}\r\n\r\n${value}\r\n`).join('') + `--${boundary}--\r\n`;
      return t.inject({ method: 'POST', url: `${BASE}/sources/preview${query}`, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    };
    const config = 'type: yaml\nincludedItems: ["northwind/*"]\nexcludedModels: ["*-draft"]\nid: ignored\n';
    const catalogData = stringify({ models: [{ name: 'northwind/helm-8b' }, { name: 'northwind/helm-8b-draft' }, { name: 'other/x' }, { name: 'bad', license: 7 }] });
    const all = json(await preview({ config, catalogData }));
    assert.deepEqual(all.items, [
      { name: 'northwind/helm-8b', included: true }, { name: 'northwind/helm-8b-draft', included: false }, { name: 'other/x', included: false },
    ]);
    assert.deepEqual(all.summary, { totalModels: 3, includedModels: 1, excludedModels: 2, rejectedModels: 1 });
    assert.deepEqual(names(json(await preview({ config, catalogData }, '?filterStatus=EXCLUDED'))), ['northwind/helm-8b-draft', 'other/x']);
    const missing = await preview({ catalogData });
    assert.equal(missing.statusCode, 400);
    assert.equal(json(missing).message, 'config file is required');
    assert.equal(json(missing).code, 'Bad Request');
    assert.equal((await preview({ config: 'type: git\n', catalogData })).statusCode, 422);
    const yamlError = await preview({ config, catalogData: 'models:\n  - name: a\n   bad: [' });
    assert.equal(yamlError.statusCode, 422);
    assert.match(json(yamlError).message, /line \d+/);
    assert.equal(json(yamlError).code, 'Unprocessable Entity');
    assert.equal((await preview({ config: 'type: yaml\nproperties: {yamlCatalogPath: /etc/passwd}\n' })).statusCode, 422);
    // 03 §14.8: hf configurations are expanded against the hub; `url` is honoured because CATALOG_HF_ALLOWED_URLS lists it.
    const hf = `type: hf\nproperties: {url: "${hub.url}", apiKey: {env: CATALOG_SECRET_HF}}\nincludedItems: ["northwind-ai/helm*", "contoso/embed-small-v2", "contoso/gone"]\nexcludedItems: ["*-draft"]\n`;
    const hfPreview = json(await preview({ config: hf }));
    assert.deepEqual(hfPreview.items, [
      { name: 'northwind-ai/helm-8b', included: true }, { name: 'northwind-ai/helm-8b-draft', included: false }, { name: 'northwind-ai/helm-70b', included: true },
      { name: 'Contoso/Embed-Small-V2', included: true }, { name: 'contoso/gone', included: true },
    ]);
    assert.deepEqual(hfPreview.summary, { totalModels: 5, includedModels: 4, excludedModels: 1, rejectedModels: 0 });
    assert.ok(hub.requests.every((request) => request.headers.authorization === `Bearer ${VALID_TOKEN}`), 'the apiKey resolved in the namespace is sent');
    assert.deepEqual(names(json(await preview({ config: hf }, '?filterStatus=excluded'))), ['northwind-ai/helm-8b-draft']);
    const badHf = await preview({ config: 'type: hf\nproperties: {maxModels: -1}\nincludedItems: ["northwind-ai/*"]\n' });
    assert.equal(badHf.statusCode, 422);
    assert.equal((await preview({ config: 'type: hf\n' })).statusCode, 422);
    assert.equal((await preview({ config, catalogData }, '?filterStatus=nope')).statusCode, 400);
    const notMultipart = await t.inject({ method: 'POST', url: `${BASE}/sources/preview`, headers: { 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(notMultipart.statusCode, 415);
    assert.equal(json(notMultipart).code, 'Unsupported Media Type');
    const tooLarge = await preview({ config: `type: yaml\n#${'x'.repeat(1024 * 1024)}\n`, catalogData });
    assert.equal(tooLarge.statusCode, 413);
    assert.equal(json(tooLarge).code, 'Request Entity Too Large');
    const malformed = await t.inject({ method: 'POST', url: `${BASE}/sources/preview`, headers: { 'content-type': 'multipart/form-data; boundary=zz' }, payload: 'garbage' });
    assert.equal(malformed.statusCode, 400);
  });

  test('capabilities of the model plugin (§16.28)', async () => {
    const capabilities = json(await get('/api/plugins/model/capabilities'));
    const entity = capabilities.entities[0];
    assert.equal(entity.endpoints.list, `${BASE}/models`);
    assert.equal(entity.endpoints.get, `${BASE}/sources/{source_id}/models/{name}`);
    assert.deepEqual(capabilities.sources.types, ['yaml', 'git', 'http', 'hf']);
    assert.deepEqual(entity.fields.columns.map((c: Json) => c.name), ['name', 'provider', 'tasks', 'license', 'sourceId']);
  });
});

describeEachDatabase('model catalog samples', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ kind });
  });
  after(() => t.close());

  test('the shipped samples load from three sources and agents find their models (§16.2)', async () => {
    const body = json(await t.inject(`${BASE}/models?pageSize=100`));
    assert.ok(body.totalSize >= 12);
    assert.deepEqual(new Set((body.items as Json[]).map((m) => m.source_id)), new Set(['model-curated', 'model-community', 'model-partners']));
    for (const name of ['northwind/helm-8b-instruct', 'northwind/helm-3b-instruct']) {
      assert.equal((await t.inject(`${BASE}/sources/model-curated/models/${name}`)).statusCode, 200, name);
    }
  });

  test('the recommended sets recorded in docs/sample-data.md are met (§16.14)', async () => {
    const recommended = async (name: string, query = '') => (json(await t.inject(`${BASE}/sources/model-curated/models/${name}/artifacts/performance?recommendations=true${query}`)).items as Json[])
      .map((a) => `${a.customProperties.hardware_type.string_value}/${a.customProperties.hardware_count.int_value}: ${a.customProperties.ttft_p90.double_value}`);
    assert.deepEqual(await recommended('northwind/helm-8b-instruct'), ['H100/1: 180', 'H100/2: 150', 'H100/4: 120', 'L40S/1: 240', 'L40S/2: 160']);
    // The H100 group is the worked example of spec 03 §8.3; at 10 RPS both L40S configurations cost 4, the faster stays.
    assert.deepEqual(await recommended('northwind/helm-8b-instruct', '&targetRPS=10'), ['H100/1: 180', 'H100/4: 120', 'L40S/2: 160']);
    assert.deepEqual(await recommended('northwind/helm-3b-instruct'), ['L40S/1: 85', 'A100/1: 70']);
    assert.deepEqual(await recommended('northwind/helm-70b-instruct'), ['H100/4: 310', 'H100/8: 240', 'A100/8: 412']);
  });
});

describeEachDatabase('model catalog namespaces', (kind) => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      kind,
      // The file configuration store serves the sources file as namespace `default`.
      env: { CATALOG_TENANCY_MODE: 'namespace' },
      files: {
        'sources.yaml': 'catalogs:\n  models:\n    sources:\n      - {id: lab-a, name: Lab A, type: yaml, properties: {yamlCatalogPath: lab-a.yaml}}\n    labels:\n      - {name: x}\n',
        'lab-a.yaml': stringify(LAB_A),
      },
    });
  });
  after(() => t.close());

  test('a model of one namespace is invisible to every route called for another (§16.1)', async () => {
    const call = (namespace: string, url: string) => t.inject({ method: 'GET', url: `${BASE}${url}`, headers: { 'x-namespace': namespace } });
    const reads: [string, (status: number, body: Json) => boolean][] = [
      ['/models', (_, b) => b.totalSize > 0],
      ['/models/filter_options', (_, b) => Object.keys(b.filters).length > 0],
      ['/models/acme/wave-8b', (s) => s === 200],
      ['/labels', (_, b) => b.totalSize > 0],
      ['/sources', (_, b) => b.totalSize > 0],
      ['/sources/lab-a/models/acme/wave-8b', (s) => s === 200],
      ['/sources/lab-a/models/acme/wave-8b/artifacts', (s) => s === 200],
      ['/sources/lab-a/models/acme/wave-8b/artifacts/performance', (s) => s === 200],
    ];
    for (const [url, visible] of reads) {
      const own = await call('default', url);
      assert.ok(visible(own.statusCode, json(own)), `default ${url}: ${own.body.slice(0, 200)}`);
      const other = await call('team-b', url);
      assert.ok(!visible(other.statusCode, json(other)), `team-b ${url}: ${other.body.slice(0, 200)}`);
      assert.ok([200, 404].includes(other.statusCode), `team-b ${url}`);
    }
    const missing = await t.inject(`${BASE}/models`);
    assert.equal(missing.statusCode, 400);
    assert.equal(json(missing).code, 'Bad Request', 'pipeline errors carry the legacy code too');
  });
});
