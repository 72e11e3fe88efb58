import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StartupError } from '../errors.js';
import {
  loadSourcesFile,
  MAX_SOURCES_FILE_BYTES,
  parseSourcesDocument,
  readSourcesText,
  resolveSourcePath,
  SourcesDocumentError,
  type SourceConfig,
} from './sourcesDocument.js';

const FILE = '/etc/catalog/sources.yaml';

const VALID = `apiVersion: catalog/v1alpha1
kind: CatalogSources
catalogs:
  models:
    sources:
      - id: model-curated
        name: "Curated models"
        type: yaml
        enabled: true
        labels: ["Curated"]
        properties:
          yamlCatalogPath: "../plugins/model/data/curated.yaml"
          anything: {nested: [1, 2]}
        includedItems: ["ibm-*"]
        excludedItems: ["*-old"]
    labels:
      - name: Curated
        description: hand-picked
        extra: kept
    namedQueries:
      small-models:
        parameterCount: {operator: "<", value: 1000000000}
  mcp:
    sources:
      - id: mcp-samples
        name: MCP Servers
        type: git
        enabled: null
        properties:
          repoUrl: file:///repos/mcp
      - id: mcp_disabled
        name: Disabled
        type: http
        enabled: false
  not-a-plugin:
    sources:
      - id: kept
        name: Kept
        type: yaml
`;

function source(overrides: Partial<SourceConfig>): SourceConfig {
  return {
    id: 'x',
    name: 'X',
    type: 'yaml',
    enabled: true,
    labels: [],
    properties: {},
    includedItems: [],
    excludedItems: [],
    line: 1,
    problems: [],
    ...overrides,
  };
}

/** Parses a document whose only source has the given YAML body (indented under `- `). */
function parseSource(body: string): SourceConfig {
  const text = `catalogs:\n  mcp:\n    sources:\n      - ${body.trim().split('\n').join('\n        ')}\n`;
  return parseSourcesDocument(text, FILE).catalogs.mcp.sources[0];
}

function structuralError(text: string, filePath = FILE): SourcesDocumentError {
  try {
    parseSourcesDocument(text, filePath);
  } catch (error) {
    assert.ok(error instanceof SourcesDocumentError, String(error));
    assert.ok(error instanceof StartupError);
    assert.equal(error.exitCode, 1);
    return error;
  }
  assert.fail('expected a SourcesDocumentError');
}

describe('parseSourcesDocument: valid documents', () => {
  it('reads every field of the reference format', () => {
    assert.deepEqual(parseSourcesDocument(VALID, FILE), {
      apiVersion: 'catalog/v1alpha1',
      kind: 'CatalogSources',
      catalogs: {
        models: {
          sources: [
            source({
              id: 'model-curated',
              name: 'Curated models',
              labels: ['Curated'],
              properties: { yamlCatalogPath: '../plugins/model/data/curated.yaml', anything: { nested: [1, 2] } },
              includedItems: ['ibm-*'],
              excludedItems: ['*-old'],
              line: 6,
            }),
          ],
          labels: [{ name: 'Curated', description: 'hand-picked', extra: 'kept' }],
          namedQueries: { 'small-models': { parameterCount: { operator: '<', value: 1000000000 } } },
        },
        mcp: {
          sources: [
            source({ id: 'mcp-samples', name: 'MCP Servers', type: 'git', properties: { repoUrl: 'file:///repos/mcp' }, line: 25 }),
            source({ id: 'mcp_disabled', name: 'Disabled', type: 'http', enabled: false, line: 31 }),
          ],
          labels: [],
          namedQueries: {},
        },
        'not-a-plugin': {
          sources: [source({ id: 'kept', name: 'Kept', line: 37 })],
          labels: [],
          namedQueries: {},
        },
      },
    });
  });

  it('treats an empty file, a comment-only file and empty sections as empty', () => {
    assert.deepEqual(parseSourcesDocument('', FILE), { catalogs: {} });
    assert.deepEqual(parseSourcesDocument('# nothing yet\n', FILE), { catalogs: {} });
    assert.deepEqual(parseSourcesDocument('catalogs:\n', FILE), { catalogs: {} });
    assert.deepEqual(parseSourcesDocument('catalogs:\n  mcp:\n  agents:\n    sources: []\n', FILE), {
      catalogs: {
        mcp: { sources: [], labels: [], namedQueries: {} },
        agents: { sources: [], labels: [], namedQueries: {} },
      },
    });
  });

  it('treats absent or null optional fields as their defaults', () => {
    const parsed = parseSource('id: a\nname: A\ntype: yaml\nenabled:\nlabels:\nproperties:\nincludedItems: ~\nexcludedItems: null');
    assert.deepEqual(parsed, source({ id: 'a', name: 'A', line: 4 }));
  });

  it('resolves aliases in the envelope', () => {
    const text = `catalogs:
  mcp:
    sources:
      - id: a
        name: A
        type: yaml
        labels: &shared [one, two]
        properties: &props {yamlCatalogPath: a.yaml}
      - id: b
        name: B
        type: yaml
        labels: *shared
        properties: *props
`;
    const [a, b] = parseSourcesDocument(text, FILE).catalogs.mcp.sources;
    assert.deepEqual(b.labels, ['one', 'two']);
    assert.deepEqual(b.properties, a.properties);
  });

  it('accepts a byte-order mark', () => {
    assert.deepEqual(parseSourcesDocument('\uFEFFcatalogs: {}\n', FILE), { catalogs: {} });
  });
});

describe('parseSourcesDocument: per-source problems are not fatal', () => {
  const cases: Array<[string, string[]]> = [
    ['name: A\ntype: yaml', ['source ID is required']],
    ['id: ""\nname: A\ntype: yaml', ['source ID is required']],
    ['id: My-Source\nname: A\ntype: yaml', ['source ID must contain only lowercase alphanumeric characters, hyphens, and underscores, and must start with a letter or digit']],
    ['id: -lead\nname: A\ntype: yaml', ['source ID must contain only lowercase alphanumeric characters, hyphens, and underscores, and must start with a letter or digit']],
    [`id: ${'a'.repeat(64)}\nname: A\ntype: yaml`, ['source ID must be 63 characters or fewer']],
    ['id: a\ntype: yaml', ['source name is required']],
    [`id: a\nname: ${'n'.repeat(257)}\ntype: yaml`, ['source name must be 256 characters or fewer']],
    ['id: a\nname: A', ['source type is required']],
    ['id: a\nname: A\ntype: s3', ['unsupported source type "s3"; supported types: yaml, git, http, hf']],
    ['id: a\nname: A\ntype: yaml\nincludedItems: ["ok", ""]', ['includedItems[1] must not be empty']],
    ['id: a\nname: A\ntype: yaml\nexcludedItems: [""]', ['excludedItems[0] must not be empty']],
    ['id: a\nname: A\ntype: yaml\nlabels: ["x", ""]', ['label must not be empty']],
    ['id: Bad!\ntype: ftp', [
      'source ID must contain only lowercase alphanumeric characters, hyphens, and underscores, and must start with a letter or digit',
      'source name is required',
      'unsupported source type "ftp"; supported types: yaml, git, http, hf',
    ]],
  ];
  for (const [body, problems] of cases) {
    it(`reports ${problems.join(' + ')}`, () => {
      assert.deepEqual(parseSource(body).problems, problems);
    });
  }

  it('accepts a 63-character id and a 256-character name (counted in characters)', () => {
    assert.deepEqual(parseSource(`id: ${'a'.repeat(63)}\nname: "${'é'.repeat(256)}"\ntype: hf`).problems, []);
  });

  it('keeps the other sources of the section', () => {
    const text = 'catalogs:\n  mcp:\n    sources:\n      - id: BAD\n        name: Bad\n        type: yaml\n      - id: good\n        name: Good\n        type: yaml\n';
    const [bad, good] = parseSourcesDocument(text, FILE).catalogs.mcp.sources;
    assert.equal(bad.problems.length, 1);
    assert.deepEqual(good.problems, []);
  });

  it('allows the same id in different sections', () => {
    const text = 'catalogs:\n  mcp:\n    sources: [{id: a, name: A, type: yaml}]\n  agents:\n    sources: [{id: a, name: A, type: yaml}]\n';
    assert.equal(parseSourcesDocument(text, FILE).catalogs.agents.sources[0].id, 'a');
  });
});

describe('parseSourcesDocument: structural errors carry the file, line and column', () => {
  const cases: Array<[description: string, text: string, message: string]> = [
    ['unknown top-level key', 'apiVersion: v1\ncatalog: {}\n', 'line 2, column 1: unknown key "catalog" in the top level'],
    ['unknown section key', 'catalogs:\n  mcp:\n    source: []\n', 'line 3, column 5: unknown key "source" in catalogs.mcp'],
    ['unknown source key', 'catalogs:\n  mcp:\n    sources:\n      - id: a\n        nmae: A\n', 'line 5, column 9: unknown key "nmae" in catalogs.mcp.sources[0]'],
    ['non-string key', 'catalogs:\n  mcp:\n    sources:\n      - ? [a]\n        : 1\n', 'line 4, column 11: keys in catalogs.mcp.sources[0] must be strings'],
    ['document not a map', '- a\n- b\n', 'line 1, column 1: the document must be a map'],
    ['apiVersion not a string', 'apiVersion: 1\n', 'line 1, column 13: apiVersion must be a string'],
    ['kind not a string', 'kind: [CatalogSources]\n', 'line 1, column 7: kind must be a string'],
    ['catalogs not a map', 'catalogs: [mcp]\n', 'line 1, column 11: catalogs must be a map'],
    ['section not a map', 'catalogs:\n  mcp: yes\n', 'line 2, column 8: catalogs.mcp must be a map'],
    ['sources not a list', 'catalogs:\n  mcp:\n    sources: {id: a}\n', 'line 3, column 14: catalogs.mcp.sources must be a list of sources'],
    ['source not a map', 'catalogs:\n  mcp:\n    sources:\n      - mcp-samples\n', 'line 4, column 9: catalogs.mcp.sources[0] must be a map'],
    ['empty source entry', 'catalogs:\n  mcp:\n    sources:\n      -\n      - id: a\n', 'line 4, column 8: catalogs.mcp.sources[0] must be a map'],
    ['id not a string', 'catalogs:\n  mcp:\n    sources:\n      - id: 12\n', 'line 4, column 13: catalogs.mcp.sources[0].id must be a string'],
    ['name not a string', 'catalogs:\n  mcp:\n    sources:\n      - name: [a]\n', 'line 4, column 15: catalogs.mcp.sources[0].name must be a string'],
    ['type not a string', 'catalogs:\n  mcp:\n    sources:\n      - type: true\n', 'line 4, column 15: catalogs.mcp.sources[0].type must be a string'],
    ['enabled not a boolean', 'catalogs:\n  mcp:\n    sources:\n      - enabled: "true"\n', 'line 4, column 18: catalogs.mcp.sources[0].enabled must be a boolean'],
    ['YAML 1.1 boolean word', 'catalogs:\n  mcp:\n    sources:\n      - enabled: yes\n', 'line 4, column 18: catalogs.mcp.sources[0].enabled must be a boolean'],
    ['labels not a list', 'catalogs:\n  mcp:\n    sources:\n      - labels: a\n', 'line 4, column 17: catalogs.mcp.sources[0].labels must be a list of strings'],
    ['label not a string', 'catalogs:\n  mcp:\n    sources:\n      - labels: [a, {b: 1}]\n', 'line 4, column 21: catalogs.mcp.sources[0].labels must be a list of strings'],
    ['properties not a map', 'catalogs:\n  mcp:\n    sources:\n      - properties: [a]\n', 'line 4, column 21: catalogs.mcp.sources[0].properties must be a map'],
    ['includedItems not a list', 'catalogs:\n  mcp:\n    sources:\n      - includedItems: "a*"\n', 'line 4, column 24: catalogs.mcp.sources[0].includedItems must be a list of strings'],
    ['excludedItems item not a string', 'catalogs:\n  mcp:\n    sources:\n      - excludedItems: [1]\n', 'line 4, column 25: catalogs.mcp.sources[0].excludedItems must be a list of strings'],
    ['section labels not a list', 'catalogs:\n  models:\n    labels: {a: 1}\n', 'line 3, column 13: catalogs.models.labels must be a list of maps'],
    ['section label not a map', 'catalogs:\n  models:\n    labels:\n      - Curated\n', 'line 4, column 9: catalogs.models.labels must be a list of maps'],
    ['namedQueries not a map', 'catalogs:\n  models:\n    namedQueries: [a]\n', 'line 3, column 19: catalogs.models.namedQueries must be a map'],
    ['label without name', 'catalogs:\n  models:\n    labels:\n      - displayName: Curated\n', 'line 4, column 9: catalogs.models.labels[0].name is required'],
    ['label name not a string', 'catalogs:\n  models:\n    labels:\n      - name: [a]\n', 'line 4, column 15: catalogs.models.labels[0].name must be a string or null'],
    ['label value not a string', 'catalogs:\n  models:\n    labels:\n      - name: a\n        order: 1\n', 'line 5, column 16: catalogs.models.labels[0].order must be a string'],
    ['duplicate label name', 'catalogs:\n  models:\n    labels:\n      - name: a\n      - name: a\n', 'line 5, column 15: duplicate label name "a" in catalogs.models.labels'],
    ['duplicate null label name', 'catalogs:\n  models:\n    labels:\n      - name: null\n      - name: ~\n', 'line 5, column 15: duplicate label name null in catalogs.models.labels'],
    ['named query not a map', 'catalogs:\n  models:\n    namedQueries:\n      q:\n        - tasks\n', 'line 5, column 9: catalogs.models.namedQueries.q must be a map'],
    ['condition not a map', 'catalogs:\n  models:\n    namedQueries:\n      q:\n        tasks: text-generation\n', 'line 5, column 16: catalogs.models.namedQueries.q.tasks must be a map'],
    ['condition without value', 'catalogs:\n  models:\n    namedQueries:\n      q:\n        tasks: {operator: "="}\n', 'line 5, column 16: catalogs.models.namedQueries.q.tasks must have operator and value'],
    ['condition with an unknown key', 'catalogs:\n  models:\n    namedQueries:\n      q:\n        tasks: {operator: "=", value: a, op: "="}\n', 'line 5, column 42: unknown key "op" in catalogs.models.namedQueries.q.tasks'],
    ['unknown operator', 'catalogs:\n  models:\n    namedQueries:\n      q:\n        tasks: {operator: "~", value: a}\n', 'line 5, column 27: catalogs.models.namedQueries.q.tasks.operator must be one of =, !=, >, <, >=, <=, LIKE, ILIKE, IN, NOT IN'],
    ['IN without a list', 'catalogs:\n  models:\n    namedQueries:\n      q:\n        tasks: {operator: IN, value: a}\n', 'line 5, column 38: catalogs.models.namedQueries.q.tasks.value must be a non-empty list for operator IN'],
    ['NOT IN with an empty list', 'catalogs:\n  models:\n    namedQueries:\n      q:\n        tasks: {operator: NOT IN, value: []}\n', 'line 5, column 42: catalogs.models.namedQueries.q.tasks.value must be a non-empty list for operator NOT IN'],
    ['list for a comparison', 'catalogs:\n  models:\n    namedQueries:\n      q:\n        tasks: {operator: "=", value: [a, b]}\n', 'line 5, column 39: catalogs.models.namedQueries.q.tasks.value must be a string, number or boolean'],
    ['map inside an IN list', 'catalogs:\n  models:\n    namedQueries:\n      q:\n        tasks: {operator: IN, value: [a, {b: 1}]}\n', 'line 5, column 42: catalogs.models.namedQueries.q.tasks.value must be a string, number or boolean'],
    [
      'duplicate source id',
      'catalogs:\n  mcp:\n    sources:\n      - id: a\n        name: A\n        type: yaml\n      - id: a\n        name: B\n        type: yaml\n',
      'line 7, column 13: duplicate source id "a" in catalogs.mcp.sources (first defined at line 4)',
    ],
    ['YAML syntax error', 'catalogs:\n  mcp: [a, b\n', 'line 3, column 1: YAML syntax error: '],
    ['duplicate YAML key', 'catalogs:\n  mcp: {}\n  mcp: {}\n', 'line 3, column 3: YAML syntax error: Map keys must be unique'],
    ['tab indentation', 'catalogs:\n\tmcp: {}\n', 'line 2, column 1: YAML syntax error: '],
    ['several documents', 'catalogs: {}\n---\ncatalogs: {}\n', 'line 2, column 1: expected one YAML document, found 2'],
  ];
  for (const [description, text, message] of cases) {
    it(description, () => {
      const error = structuralError(text);
      assert.ok(error.message.startsWith(`${FILE}: ${message}`), `${error.message}\n  does not start with\n${FILE}: ${message}`);
      const [, line, column] = /^line (\d+), column (\d+)/.exec(message) ?? [];
      assert.deepEqual(error.position, { line: Number(line), column: Number(column) });
      assert.equal(error.filePath, FILE);
    });
  }

  it('accepts labels named null and every named-query operator, keeping list values for IN and NOT IN', () => {
    const operators = ['=', '!=', '>', '<', '>=', '<=', 'LIKE', 'ILIKE'];
    const conditions = operators.map((operator, index) => `        f${index}: {operator: "${operator}", value: ${index % 2 === 0 ? 'x' : 3.5}}`).join('\n');
    const text = `catalogs:\n  models:\n    labels:\n      - {name: null, displayName: Unlabelled}\n      - name: curated\n    namedQueries:\n      q:\n${conditions}\n        g: {operator: IN, value: [a, 1, true]}\n        h: {operator: NOT IN, value: [b]}\n`;
    const section = parseSourcesDocument(text, FILE).catalogs.models;
    assert.deepEqual(section.labels, [{ name: null, displayName: 'Unlabelled' }, { name: 'curated' }]);
    assert.deepEqual(Object.values(section.namedQueries.q).map((c) => c.operator), [...operators, 'IN', 'NOT IN']);
    assert.deepEqual(section.namedQueries.q.g.value, ['a', 1, true]);
    assert.equal(section.namedQueries.q.f1.value, 3.5);
  });

  it('limits aliases to 100 per document', () => {
    const aliases = Array.from({ length: 101 }, (_, i) => `      - id: s${i}\n        name: *n\n        type: yaml`).join('\n');
    const text = `apiVersion: &n catalog\ncatalogs:\n  mcp:\n    sources:\n${aliases}\n`;
    const error = structuralError(text);
    assert.equal(error.message, `${FILE}: line ${5 + 100 * 3 + 1}, column 15: too many YAML aliases (maximum 100)`);
  });

  it('refuses exponential alias expansion', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      const previous = String.fromCharCode(96 + i);
      levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const text = `catalogs:\n  mcp:\n    namedQueries:\n${levels.map((line) => `      ${line}`).join('\n')}\n`;
    assert.match(structuralError(text).message, /^\/etc\/catalog\/sources\.yaml: line 5, column \d+: YAML alias error: /);
  });
});

describe('parseSourcesDocument: size limit', () => {
  it('accepts exactly 1 MiB and refuses one byte more', () => {
    const base = 'catalogs: {}\n#';
    const exact = base + 'x'.repeat(MAX_SOURCES_FILE_BYTES - base.length);
    assert.deepEqual(parseSourcesDocument(exact, FILE), { catalogs: {} });
    const error = structuralError(`${exact}x`);
    assert.equal(error.message, `${FILE}: file is larger than 1 MiB (1048577 bytes, maximum 1048576)`);
    assert.equal(error.position, undefined);
  });

  it('counts bytes, not characters', () => {
    const text = `#${'é'.repeat(MAX_SOURCES_FILE_BYTES / 2)}`;
    assert.match(structuralError(text).message, /file is larger than 1 MiB \(1048577 bytes/);
  });
});

describe('loadSourcesFile and resolveSourcePath', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sources-document-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a file and resolves relative paths against its directory', async () => {
    const path = join(dir, 'config', 'sources.yaml');
    await mkdir(dirname(path), { recursive: true });
    await writeFile(
      path,
      'catalogs:\n  mcp:\n    sources:\n      - id: rel\n        name: Rel\n        type: yaml\n        properties: {yamlCatalogPath: ../plugins/mcp/data/servers.yaml}\n      - id: abs\n        name: Abs\n        type: yaml\n        properties: {path: /srv/data/servers.yaml}\n',
    );
    const [relative, absolute] = (await loadSourcesFile(path)).catalogs.mcp.sources;
    const baseDir = dirname(path);
    assert.equal(resolveSourcePath(baseDir, relative.properties.yamlCatalogPath as string), join(dir, 'plugins', 'mcp', 'data', 'servers.yaml'));
    assert.equal(resolveSourcePath(baseDir, absolute.properties.path as string), '/srv/data/servers.yaml');
    assert.equal(resolveSourcePath(baseDir, 'data.yaml'), join(baseDir, 'data.yaml'));
  });

  it('reports structural errors with the file path', async () => {
    const path = join(dir, 'broken.yaml');
    await writeFile(path, 'catalogs:\n  mcp:\n    bogus: 1\n');
    await assert.rejects(loadSourcesFile(path), {
      name: 'SourcesDocumentError',
      message: `${path}: line 3, column 5: unknown key "bogus" in catalogs.mcp`,
    });
  });

  it('refuses files over 1 MiB without reading them', async () => {
    const path = join(dir, 'big.yaml');
    await writeFile(path, `#${'x'.repeat(MAX_SOURCES_FILE_BYTES)}`);
    await assert.rejects(readSourcesText(path), { message: `${path}: file is larger than 1 MiB (1048577 bytes, maximum 1048576)` });
  });

  it('reports unreadable files as startup errors', async () => {
    const missing = join(dir, 'missing.yaml');
    await assert.rejects(loadSourcesFile(missing), (error: unknown) => {
      assert.ok(error instanceof StartupError);
      assert.equal(error.message, `${missing}: cannot read the file (ENOENT)`);
      return true;
    });
    await assert.rejects(loadSourcesFile(dir), { message: `${dir}: cannot read the file (EISDIR)` });
  });
});
