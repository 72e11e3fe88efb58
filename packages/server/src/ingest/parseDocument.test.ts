import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ALIASES, MAX_DEPTH, parseSourceDocument, type ParseResult } from './parseDocument.js';

const MiB = 1024 * 1024;

function parse(text: string, maxBytes = 10 * MiB): ParseResult {
  return parseSourceDocument(text, { file: 'data/agents.yaml', maxBytes, yamlKey: 'agents' });
}

function entriesOf(result: ParseResult) {
  assert.ok(result.ok, result.ok ? '' : result.error.message);
  return result.entries;
}

function errorOf(result: ParseResult) {
  assert.ok(!result.ok, 'expected a document-level failure');
  return result.error;
}

describe('parseSourceDocument', () => {
  it('returns each entry with its index, value and 1-based position, ignoring other top-level keys', () => {
    const entries = entriesOf(parse('source: ignored\nagents:\n  - name: a\n    agentType: router\n  -   name: b\n'));
    assert.deepEqual(
      entries.map(({ index, value, line, column }) => ({ index, value, line, column })),
      [
        { index: 0, value: { name: 'a', agentType: 'router' }, line: 3, column: 5 },
        { index: 1, value: { name: 'b' }, line: 5, column: 7 },
      ],
    );
    assert.deepEqual(entries[0].locate(['agentType']), { line: 4, column: 16 });
    assert.deepEqual(entries[0].locate(['agentType'], 'key'), { line: 4, column: 5 });
  });

  it('accepts an empty entry list', () => {
    assert.deepEqual(entriesOf(parse('agents: []\n')), []);
  });

  it('accepts JSON documents, with positions', () => {
    const entries = entriesOf(parse('{\n  "agents": [\n    {"name": "a"},\n    {"name": "b", "tools": [{"skillRef": 1}]}\n  ]\n}\n'));
    assert.deepEqual(entries.map((entry) => entry.value), [{ name: 'a' }, { name: 'b', tools: [{ skillRef: 1 }] }]);
    assert.deepEqual([entries[1].line, entries[1].column], [4, 5]);
    assert.deepEqual(entries[1].locate(['tools', 0, 'skillRef']), { line: 4, column: 42 });
    assert.deepEqual(entries[1].locate(['tools', 0, 'skillRef'], 'key'), { line: 4, column: 30 });
  });

  it('locates missing paths at the deepest existing node', () => {
    const [entry] = entriesOf(parse('agents:\n  - name: a\n    tools:\n      - skillRef: s\n'));
    assert.deepEqual(entry.locate(['agentType']), { line: 2, column: 5 });
    assert.deepEqual(entry.locate(['tools', 5, 'x']), { line: 4, column: 7 });
    assert.deepEqual(entry.locate(['tools', 0, 'x']), { line: 4, column: 9 });
  });

  it('points at the key of a field whose value is empty', () => {
    const [entry] = entriesOf(parse('agents:\n  - name: a\n    version:\n'));
    assert.deepEqual(entry.locate(['version']), { line: 3, column: 5 });
  });

  describe('document-level failures (02 §2.4, §12 item 11)', () => {
    it('reports a YAML syntax error with the parser line and column', () => {
      const error = errorOf(parse('agents:\n  - name: a\n    tools: [x, y\n  - name: b\n'));
      assert.match(error.message, /^YAML parse error: /);
      assert.equal(error.file, 'data/agents.yaml');
      assert.deepEqual([error.line, error.column], [4, 3]);
    });

    it('reports a duplicate key as a syntax error', () => {
      const error = errorOf(parse('agents:\n  - name: a\n    name: b\n'));
      assert.equal(error.message, 'YAML parse error: Map keys must be unique');
      assert.deepEqual([error.line, error.column], [3, 5]);
    });

    it('flags a missing yamlKey so multi-file sources can skip the file', () => {
      assert.deepEqual(errorOf(parse('skills:\n  - name: a\n')), {
        file: 'data/agents.yaml', message: 'missing top-level key "agents"', missingKey: true,
      });
      assert.equal(errorOf(parse('{"skills": []}')).missingKey, true);
    });

    it('rejects a second YAML document, even an empty one', () => {
      const error = errorOf(parse('agents: []\n---\nagents: []\n'));
      assert.equal(error.message, 'document contains more than one YAML document');
      assert.deepEqual([error.line, error.column], [2, 1]);
      assert.equal(errorOf(parse('agents: []\n---\n')).message, 'document contains more than one YAML document');
      assert.equal(errorOf(parse('agents: []\n---\n')).missingKey, undefined);
    });

    it('rejects a document over the size limit, counting UTF-8 bytes', () => {
      assert.equal(errorOf(parse(`agents: []\n#${'x'.repeat(100)}`, 100)).message, 'document exceeds maximum size of 100 bytes');
      const text = `agents: [] # ${'é'.repeat(50)}`;
      assert.ok(text.length <= 100);
      assert.equal(errorOf(parse(text, 100)).message, 'document exceeds maximum size of 100 bytes');
      assert.ok(parse('agents: []', 10).ok);
    });

    it('rejects documents that are not a mapping, empty documents and non-sequence entry lists', () => {
      assert.deepEqual(errorOf(parse('- name: a\n')), { file: 'data/agents.yaml', message: 'document is not a mapping', line: 1, column: 1 });
      assert.equal(errorOf(parse('just text')).message, 'document is not a mapping');
      assert.equal(errorOf(parse('')).message, 'document is empty');
      assert.equal(errorOf(parse('# nothing\n')).message, 'document is empty');
      assert.deepEqual(errorOf(parse('agents: some text\n')), {
        file: 'data/agents.yaml', message: 'top-level key "agents" must hold a sequence', line: 1, column: 9,
      });
      assert.deepEqual(errorOf(parse('x: 1\nagents:\n')), {
        file: 'data/agents.yaml', message: 'top-level key "agents" must hold a sequence', line: 2, column: 1,
      });
      assert.equal(errorOf(parse('agents:\n  name: a\n')).message, 'top-level key "agents" must hold a sequence');
    });
  });

  describe('limits', () => {
    const aliased = (count: number) =>
      `base: &b {name: shared}\nagents:\n${Array.from({ length: count }, () => '  - *b').join('\n')}\n`;

    it(`allows ${MAX_ALIASES} aliases and rejects one more`, () => {
      assert.equal(entriesOf(parse(aliased(MAX_ALIASES))).length, MAX_ALIASES);
      const error = errorOf(parse(aliased(MAX_ALIASES + 1)));
      assert.equal(error.message, `document has more than ${MAX_ALIASES} YAML aliases`);
      assert.deepEqual([error.line, error.column], [MAX_ALIASES + 3, 5]);
    });

    it('rejects an alias bomb that stays under the alias count, quickly', () => {
      const levels = ['l0: &l0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let level = 1; level <= 9; level++) levels.push(`l${level}: &l${level} [${Array(10).fill(`*l${level - 1}`).join(', ')}]`);
      const started = performance.now();
      const error = errorOf(parse(`${levels.join('\n')}\nagents:\n  - name: bomb\n    customProperties: {payload: *l9}\n`));
      assert.match(error.message, /^YAML parse error: .*alias/i);
      // Without the guard the expansion takes minutes or exhausts memory; the bound only tells the two apart.
      assert.ok(performance.now() - started < 10_000);
    });

    it('gives aliased entries their own copies of shared data', () => {
      const entries = entriesOf(parse('agents:\n  - &a {name: a, tools: [{skillRef: s}]}\n  - *a\n'));
      assert.deepEqual(entries[1].value, entries[0].value);
      assert.notEqual(entries[1].value, entries[0].value);
      ((entries[0].value as { tools: { skillRef: string }[] }).tools[0]).skillRef = 'changed';
      assert.equal((entries[1].value as { tools: { skillRef: string }[] }).tools[0].skillRef, 's');
      assert.deepEqual([entries[1].line, entries[1].column], [3, 5]);
    });

    const blockNested = (depth: number) => {
      // Root mapping = level 1, entry list = 2, entry = 3; each further key opens one more mapping.
      let text = 'agents:\n  - name: deep\n';
      for (let level = 3; level < depth; level++) text += `${'  '.repeat(level - 1)}k${level}:\n`;
      return `${text}${'  '.repeat(depth - 1)}leaf: 1\n`;
    };
    const flowNested = (depth: number) => `agents:\n  - name: deep\n    x: ${'['.repeat(depth - 3)}1${']'.repeat(depth - 3)}\n`;

    it(`allows nesting depth ${MAX_DEPTH} and rejects ${MAX_DEPTH + 1}, in block and flow style`, () => {
      assert.ok(parse(blockNested(MAX_DEPTH)).ok);
      assert.ok(parse(flowNested(MAX_DEPTH)).ok);
      const block = errorOf(parse(blockNested(MAX_DEPTH + 1)));
      assert.equal(block.message, `document nesting depth exceeds ${MAX_DEPTH}`);
      assert.deepEqual([block.line, block.column], [MAX_DEPTH + 1, 2 * MAX_DEPTH + 1]);
      assert.equal(errorOf(parse(flowNested(MAX_DEPTH + 1))).message, `document nesting depth exceeds ${MAX_DEPTH}`);
    });

    it('rejects pathologically deep nesting at once, before the yaml library parses it', () => {
      const documents = [
        flowNested(1_000_000),
        `agents: ${'{a: '.repeat(1_000_000)}1${'}'.repeat(1_000_000)}\n`,
        `agents:\n  - ${'- '.repeat(1_000_000)}x\n`,
        `agents:\n  - name: x\n    k: [${'[{"a": '.repeat(500_000)}1${'}]'.repeat(500_000)}]\n`,
      ];
      for (const text of documents) {
        const started = performance.now();
        assert.equal(errorOf(parse(text)).message, `document nesting depth exceeds ${MAX_DEPTH}`);
        // Unguarded, the library takes 8–18 s or runs out of memory on these; the guard needs well under one.
        assert.ok(performance.now() - started < 5_000, `took ${performance.now() - started} ms`);
      }
    });

    it('cannot be tricked into undercounting by block scalars, comments or quoted brackets', () => {
      // Each level nests a mapping below a key whose block scalar and comment start at column 0.
      let text = 'agents:\n  - name: x\n';
      for (let level = 3; level <= MAX_DEPTH + 1; level++) {
        const indent = '  '.repeat(level - 1);
        text += `${indent}t${level}: |\n${indent}  ]]]] }}}} text\n# ]]] comment\n${indent}s${level}: "]]]"\n${indent}k${level}:\n`;
      }
      text += `${'  '.repeat(MAX_DEPTH + 1)}leaf: 1\n`;
      const error = errorOf(parse(text));
      assert.equal(error.message, `document nesting depth exceeds ${MAX_DEPTH}`);
    });
  });
});
