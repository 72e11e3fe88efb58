import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { CommonEntityFields, EntryRejection, Enum, OpenCustomProperties, type KindDeclaration, type RawEntry } from '@catalog/framework';
import { parseSourceDocument } from './parseDocument.js';
import { MAX_INGEST_ERRORS, validateEntries, type FirstDefinition, type ValidateOptions, type ValidationResult } from './validateEntries.js';

const AGENT_TYPES = ['conversational', 'task_oriented', 'router', 'planner', 'executor', 'evaluator'] as const;

const Agent = Type.Object(
  {
    ...CommonEntityFields,
    agentType: Enum(AGENT_TYPES),
    version: Type.Optional(Type.String()),
    maxTurns: Type.Optional(Type.Integer({ minimum: 1 })),
    tools: Type.Optional(
      Type.Array(Type.Object({ skillRef: Type.Optional(Type.String()), required: Type.Optional(Type.Boolean()) }, { additionalProperties: false })),
    ),
    customProperties: OpenCustomProperties,
  },
  { additionalProperties: false },
);

function agentKind(normalize?: (entry: RawEntry) => RawEntry): KindDeclaration {
  return {
    kind: 'Agent',
    plural: 'agents',
    displayName: 'Agent',
    description: 'Agents for tests',
    notFoundPhrase: 'agent',
    schema: Agent,
    fields: { columns: [], filterFields: [], detailFields: [] },
    uiHints: {},
    cliDefaultColumns: [],
    ...(normalize ? { ingest: { normalize } } : {}),
  };
}

const FILE = 'data/agents.yaml';

function ingest(text: string, options: Partial<ValidateOptions> = {}, kind = agentKind()): ValidationResult {
  const parsed = parseSourceDocument(text, { file: FILE, maxBytes: 10 * 1024 * 1024, yamlKey: 'agents' });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error.message);
  return validateEntries(kind, parsed.entries, { file: FILE, yamlKey: 'agents', includedItems: [], excludedItems: [], ...options });
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const offset = text.indexOf(needle);
  assert.ok(offset >= 0, `"${needle}" not in fixture`);
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

function agents(names: readonly string[]): string {
  return `agents:\n${names.map((name) => `  - name: ${name}\n    agentType: router\n`).join('')}`;
}

describe('validateEntries', () => {
  it('loads eight of ten entries and reports the bad enum and the unknown key exactly (02 §12 item 9)', () => {
    const entries = Array.from({ length: 10 }, (_, i) => `  - name: agent-${i}\n    agentType: conversational\n    version: "1.${i}"\n`);
    entries[3] = '  - name: invoice-router\n    description: Routes invoices\n    agentType: chatbot\n';
    entries[6] = '  - name: colourful\n    agentType: planner\n    colour: blue\n';
    const text = `# agents for the acceptance test\nagents:\n${entries.join('')}`;

    const result = ingest(text);

    assert.equal(result.accepted.length, 8);
    assert.equal(result.rejectedCount, 2);
    assert.equal(result.excludedCount, 0);
    assert.deepEqual(result.ingestErrors, [
      {
        file: FILE, ...positionOf(text, 'agentType: chatbot'), path: 'agents[3].agentType', name: 'invoice-router',
        message: 'must be one of: conversational, task_oriented, router, planner, executor, evaluator',
      },
      { file: FILE, ...positionOf(text, 'colour: blue'), path: 'agents[6].colour', name: 'colourful', message: 'unknown field "colour"' },
    ]);
    // Spelled out once: errors point at the offending field's key, as in spec 02 §2.4 (line 14, column 5).
    assert.deepEqual([result.ingestErrors[0].line, result.ingestErrors[0].column], [14, 5]);
    assert.deepEqual([result.ingestErrors[1].line, result.ingestErrors[1].column], [23, 5]);
    assert.deepEqual(result.accepted.map((entry) => entry.name), ['agent-0', 'agent-1', 'agent-2', 'agent-4', 'agent-5', 'agent-7', 'agent-8', 'agent-9']);
    assert.deepEqual(result.accepted[0], { name: 'agent-0', doc: { name: 'agent-0', agentType: 'conversational', version: '1.0' }, line: 3 });
  });

  it('keeps the first of two same-named entries and names its line (02 §12 item 10)', () => {
    const text = agents(['a', 'dup', 'b', 'dup']);
    const result = ingest(text);
    assert.deepEqual(result.accepted.map((entry) => [entry.name, entry.line]), [['a', 2], ['dup', 4], ['b', 6]]);
    assert.equal(result.rejectedCount, 1);
    assert.deepEqual(result.ingestErrors, [
      { file: FILE, line: 8, column: 5, path: 'agents[3]', name: 'dup', message: 'duplicate name "dup" (first defined at line 4)' },
    ]);
  });

  it('does not let an invalid entry claim a name', () => {
    const result = ingest('agents:\n  - name: x\n    agentType: nope\n  - name: x\n    agentType: router\n');
    assert.deepEqual(result.accepted.map((entry) => entry.line), [4]);
    assert.equal(result.rejectedCount, 1);
  });

  it('detects duplicates across the files of one source', () => {
    const seenNames = new Map<string, FirstDefinition>();
    ingest(agents(['a']), { file: 'agents/one.yaml', seenNames });
    const second = ingest(agents(['b', 'a']), { file: 'agents/two.yaml', seenNames });
    assert.deepEqual(second.accepted.map((entry) => entry.name), ['b']);
    assert.equal(second.ingestErrors[0].message, 'duplicate name "a" (first defined at agents/one.yaml at line 2)');
    assert.equal(second.ingestErrors[0].file, 'agents/two.yaml');
  });

  it('rejects every entry of an all-invalid document (02 §12 item 12)', () => {
    const result = ingest('agents:\n  - name: a\n  - name: b\n    agentType: bad\n  - just a string\n');
    assert.equal(result.accepted.length, 0);
    assert.equal(result.rejectedCount, 3);
    assert.deepEqual(
      result.ingestErrors.map(({ line, column, path, name, message }) => ({ line, column, path, name, message })),
      [
        { line: 2, column: 5, path: 'agents[0].agentType', name: 'a', message: 'missing required field "agentType"' },
        { line: 4, column: 5, path: 'agents[1].agentType', name: 'b', message: 'must be one of: conversational, task_oriented, router, planner, executor, evaluator' },
        { line: 5, column: 5, path: 'agents[2]', name: undefined, message: 'must be an object' },
      ],
    );
    assert.equal(Object.hasOwn(result.ingestErrors[2], 'name'), false);
  });

  it('applies include and exclude globs after validation, skipping rather than rejecting (02 §12 item 13)', () => {
    const result = ingest(agents(['Team-A-bot', 'team-a-bot-draft', 'other-bot']), { includedItems: ['team-a-*'], excludedItems: ['*-draft'] });
    assert.deepEqual(result.accepted.map((entry) => entry.name), ['Team-A-bot']);
    assert.equal(result.excludedCount, 2);
    assert.equal(result.rejectedCount, 0);
    assert.deepEqual(result.ingestErrors, []);
  });

  it('drops reserved output-only fields silently', () => {
    const text = `agents:
  - name: exported
    agentType: router
    id: "17"
    sourceId: other
    source_id: other
    tags: [a]
    annotations: {k: v}
    lifecycle: deprecated
    governance: {lifecycle: {state: approved}}
    links: {related: []}
    provenance: {type: yaml}
`;
    const result = ingest(text);
    assert.equal(result.rejectedCount, 0);
    assert.deepEqual(result.accepted[0].doc, { name: 'exported', agentType: 'router' });
  });

  it('stores integer epoch times as strings of digits', () => {
    const result = ingest('agents:\n  - name: a\n    agentType: router\n    createTimeSinceEpoch: 1700000000000\n    lastUpdateTimeSinceEpoch: "1700000000001"\n');
    assert.deepEqual(result.accepted[0].doc, {
      name: 'a', agentType: 'router', createTimeSinceEpoch: '1700000000000', lastUpdateTimeSinceEpoch: '1700000000001',
    });
  });

  it('explains invalid epoch times', () => {
    const result = ingest(`agents:
  - name: a
    agentType: router
    createTimeSinceEpoch: 12ab
  - name: b
    agentType: router
    createTimeSinceEpoch: true
  - name: c
    agentType: router
    createTimeSinceEpoch: 1e20
`);
    assert.deepEqual(result.ingestErrors.map((error) => [error.path, error.message]), [
      ['agents[0].createTimeSinceEpoch', 'must match the pattern ^[0-9]{1,16}$'],
      ['agents[1].createTimeSinceEpoch', 'must be a string or an integer'],
      ['agents[2].createTimeSinceEpoch', `must be at most ${Number.MAX_SAFE_INTEGER}`],
    ]);
  });

  it('phrases schema errors for people', () => {
    const result = ingest(`agents:
  - agentType: router
  - name: 42
    agentType: router
  - name: c
    agentType: router
    maxTurns: 2.5
  - name: d
    agentType: router
    maxTurns: 0
  - name: e
    agentType: router
    tools:
      - skillRef: s
      - skillRef: [x]
  - name: f
    agentType: router
    tools: none
  - name: ""
    agentType: router
  - name: h
    agentType: router
    "odd key": 1
`);
    assert.deepEqual(result.ingestErrors.map((error) => [error.path, error.line, error.column, error.message]), [
      ['agents[0].name', 2, 5, 'missing required field "name"'],
      ['agents[1].name', 3, 5, 'must be a string'],
      ['agents[2].maxTurns', 7, 5, 'must be an integer'],
      ['agents[3].maxTurns', 10, 5, 'must be at least 1'],
      ['agents[4].tools[1].skillRef', 15, 9, 'must be a string'],
      ['agents[5].tools', 18, 5, 'must be an array'],
      ['agents[6].name', 19, 5, 'must not be empty'],
      ['agents[7]["odd key"]', 23, 5, 'unknown field "odd key"'],
    ]);
  });

  it('enforces the name rules of 02 §2.2', () => {
    const names = ['" lead"', '"trail "', '"tab\\there"', '"a//b"', '/lead', 'trail/', 'a/./b', 'a/../b', 'ok/with/slashes', '"."'];
    const result = ingest(agents(names));
    assert.deepEqual(result.accepted.map((entry) => entry.name), ['ok/with/slashes', '.']);
    assert.deepEqual(result.ingestErrors.map((error) => error.message), [
      'must not have leading or trailing whitespace',
      'must not have leading or trailing whitespace',
      'must not contain control characters',
      'must not contain an empty, "." or ".." segment',
      'must not contain an empty, "." or ".." segment',
      'must not contain an empty, "." or ".." segment',
      'must not contain an empty, "." or ".." segment',
      'must not contain an empty, "." or ".." segment',
    ]);
    assert.deepEqual(result.ingestErrors[0], { file: FILE, line: 2, column: 11, path: 'agents[0].name', name: ' lead', message: 'must not have leading or trailing whitespace' });
    const long = ingest(agents(['x'.repeat(256), 'y'.repeat(255)]));
    assert.deepEqual(long.ingestErrors.map((error) => error.message), ['must be at most 255 characters long']);
    assert.equal(long.accepted.length, 1);
  });

  describe('the normalize hook', () => {
    it('runs after schema validation and before name rules and duplicates', () => {
      const seen: RawEntry[] = [];
      const kind = agentKind((entry) => {
        seen.push(entry);
        const name = entry.name === 'unsafe' ? 'un/../safe' : String(entry.name).replace('-v1', '');
        return { ...entry, name, description: 'normalized' };
      });
      const result = ingest(`${agents(['x-v1', 'x', 'unsafe'])}    id: "1"\n`, {}, kind);
      assert.equal(seen.length, 3);
      assert.equal(seen.some((entry) => 'id' in entry), false);
      assert.deepEqual(result.accepted.map((entry) => entry.doc), [{ name: 'x', agentType: 'router', description: 'normalized' }]);
      assert.deepEqual(result.ingestErrors.map((error) => [error.path, error.name, error.message]), [
        ['agents[1]', 'x', 'duplicate name "x" (first defined at line 2)'],
        ['agents[2].name', 'unsafe', 'must not contain an empty, "." or ".." segment'],
      ]);
    });

    it('rejects with an EntryRejection message and path, in any path notation', () => {
      const kind = agentKind((entry) => {
        if (entry.name === 'self') throw new EntryRejection('an agent cannot depend on itself', 'tools[1].skillRef');
        if (entry.name === 'pointer') throw new EntryRejection('bad tool', '/tools/0');
        if (entry.name === 'whole') throw new EntryRejection('rejected as a whole');
        return entry;
      });
      const text = `agents:
  - name: self
    agentType: router
    tools:
      - skillRef: other
      - skillRef: self
  - name: pointer
    agentType: router
    tools:
      - required: true
  - name: whole
    agentType: router
`;
      const result = ingest(text, {}, kind);
      assert.deepEqual(result.ingestErrors, [
        { file: FILE, line: 6, column: 19, path: 'agents[0].tools[1].skillRef', name: 'self', message: 'an agent cannot depend on itself' },
        { file: FILE, line: 10, column: 9, path: 'agents[1].tools[0]', name: 'pointer', message: 'bad tool' },
        { file: FILE, line: 11, column: 5, path: 'agents[2]', name: 'whole', message: 'rejected as a whole' },
      ]);
    });

    it('rejects the entry with the message of any other exception', () => {
      const kind = agentKind(() => {
        throw new Error('license expression could not be parsed');
      });
      const result = ingest(agents(['a']), {}, kind);
      assert.deepEqual(result.ingestErrors.map((error) => [error.path, error.message]), [['agents[0]', 'license expression could not be parsed']]);
    });
  });

  it('treats a "__proto__" key as an unknown field, not as a prototype', () => {
    const result = ingest('{"agents": [{"name": "p", "agentType": "router", "__proto__": {"polluted": true}}]}');
    assert.deepEqual(result.ingestErrors.map((error) => [error.path, error.message]), [['agents[0].__proto__', 'unknown field "__proto__"']]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('caps ingestErrors at 100 while counting every rejection', () => {
    const entries = Array.from({ length: 150 }, (_, i) => `  - name: bad-${i}\n    agentType: nope\n`);
    const result = ingest(`agents:\n${entries.join('')}  - name: good\n    agentType: router\n`);
    assert.equal(result.rejectedCount, 150);
    assert.equal(result.ingestErrors.length, MAX_INGEST_ERRORS);
    assert.equal(result.ingestErrors[99].name, 'bad-99');
    assert.deepEqual(result.accepted.map((entry) => entry.name), ['good']);
  });

  it('reports entries of documents read by the yaml library the same way', () => {
    const text = '{"agents": [\n  {"name": "a", "agentType": "router"},\n  {"name": "b", "agentType": "chatbot"}\n]}';
    const result = ingest(text);
    assert.deepEqual(result.ingestErrors, [
      { file: FILE, line: 3, column: 17, path: 'agents[1].agentType', name: 'b', message: 'must be one of: conversational, task_oriented, router, planner, executor, evaluator' },
    ]);
    assert.deepEqual(result.accepted.map((entry) => [entry.name, entry.line]), [['a', 2]]);
  });

  it('parses and validates a 10,000-entry document (timing reported, measured in the benchmark)', (t) => {
    const lines = ['agents:'];
    for (let i = 0; i < 10_000; i++) {
      lines.push(
        `  - name: agent-${i}`,
        '    description: >-',
        `      Agent number ${i}, which answers questions about`,
        '      invoices, purchase orders and supplier contracts.',
        `    agentType: ${i % 1000 === 999 ? 'chatbot' : AGENT_TYPES[i % AGENT_TYPES.length]}`,
        `    version: "1.${i % 10}.0"`,
        `    createTimeSinceEpoch: ${1_700_000_000_000 + i}`,
        `    maxTurns: ${1 + (i % 20)}`,
        '    tools:',
        `      - skillRef: skill-${i % 50}`,
        '        required: true',
        `      - skillRef: skill-${(i + 1) % 50}`,
        '    customProperties:',
        `      team: team-${i % 7}`,
        `      costCenter: ${4000 + (i % 100)}`,
      );
    }
    const text = `${lines.join('\n')}\n`;
    const started = performance.now();
    const parsed = parseSourceDocument(text, { file: FILE, maxBytes: 10 * 1024 * 1024, yamlKey: 'agents' });
    const parsedAt = performance.now();
    assert.ok(parsed.ok);
    const result = validateEntries(agentKind(), parsed.entries, { file: FILE, yamlKey: 'agents', includedItems: ['agent-*'], excludedItems: ['*-draft'] });
    const finished = performance.now();
    assert.equal(result.accepted.length, 9_990);
    assert.equal(result.rejectedCount, 10);
    t.diagnostic(`${Buffer.byteLength(text)} bytes: parse ${(parsedAt - started).toFixed(0)} ms, validate ${(finished - parsedAt).toFixed(0)} ms`);
  });
});
