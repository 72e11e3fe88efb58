import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { locateOffset } from './locateNode.js';
import { parseSourceDocument } from './parseDocument.js';
import { seededRandom } from '../testing/seededRandom.js';
import { parseYamlSubset, type SubsetEntry } from './yamlSubset.js';

/** What the `yaml` library makes of the document: the reference the subset reader must reproduce. */
function library(text: string, key: string) {
  const counter = new LineCounter();
  const document = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const list = document.errors.length === 0 && document.contents ? (document.get(key, true) as Node | undefined) : undefined;
  return { document, counter, list: isSeq(list) ? list : undefined };
}

/** Asserts that whatever the subset reader accepts equals the library's reading, positions included. */
function assertAgreesWithLibrary(text: string, key = 'items'): SubsetEntry[] | undefined {
  const subset = parseYamlSubset(text, key, 64);
  if (subset === undefined) return undefined;
  const reference = library(text, key);
  assert.deepEqual(reference.document.errors, [], `subset accepted a document the library rejects:\n${text}`);
  if ('missingKey' in subset) {
    assert.equal(reference.document.has(key), false, text);
    return undefined;
  }
  assert.ok(reference.list, `subset found entries the library does not see as a sequence:\n${text}`);
  assert.deepEqual(subset.entries.map((entry) => entry.value), reference.list.toJS(reference.document), text);
  subset.entries.forEach((entry, index) => {
    const { line, col } = reference.counter.linePos(locateOffset(reference.list!.items[index] as Node, []));
    assert.deepEqual([entry.line, entry.column], [line, col], `entry ${index} position in:\n${text}`);
  });
  return subset.entries;
}

describe('parseYamlSubset', () => {
  it('reads typical catalog documents exactly like the yaml library', () => {
    const documents = [
      `# header comment\nitems:\n  - name: a\n    count: 3\n    ratio: 0.50\n    on: yes\n    flags: [x, y, 12]\n    none: ~\n    empty:\n    nested:\n      deep:\n        deeper: true\n  - name: b\n`,
      `items:\n- name: a\n  tools:\n  - skillRef: s1\n    required: false\n  - mcpServerRef: m1\n- name: b\n  tags: []\n  meta: {}\n`,
      `other: 1\nitems:\n  -   name: wide\n      url: https://example.com/a#frag\n  -\n    name: below-dash\nlast: "x"\n`,
      `items:\n  - name: "quoted \\"esc\\" \\u00e9 \\n tab\\t /\\/"\n    single: 'it''s'\n    hash: C# and a#b # comment\n    colon: a:b\n    ints: [0o17, 0x1F, +12, -0, 1e3, .5, .inf, -.Inf, .nan]\n`,
      `items:\n  - name: folded\n    text: >-\n      first line\n      continues here\n\n      new paragraph\n\n\n      after two blanks\n    literal: |\n      keep\n        indented\n      # not a comment\n\n    stripped: |-\n      no newline\n    clipped: >\n      one\n      two\n  # a comment between entries\n  - name: last\n    note: |\n      ends the document`,
      `items:\n  - name: keys\n    a.b: 1\n    x-y: 2\n    $ref: 3\n    a/b: 4\n    k_1: null\n    True_: y\n`,
      `items:\n  - plain scalar entry\n  - 42\n  - name: map\n`,
      `items: # trailing comment\n  - name: a   \n    spaced:    value with   inner spaces   \n`,
      `items:\n  - name: ünïcödé 名前 😀\n    d: "😀 \\ud83d\\ude00"\n`,
      `items:\n- |\n  literal entry\n- >-\n  folded\n  entry\n- a: |  # comment after the header\n   content one column deeper\n  b: 'x # not a comment'\n  c: "y #z"\n`,
      `items:\n  - name: a\n    # comment at key indentation\n          # deeper comment\n    x: 1\n\n  \n  - name: b\n    text: |\n        x\n      # ends the scalar\n    y: 2\n`,
      `nothing: here\n`,
    ];
    for (const text of documents) {
      const entries = assertAgreesWithLibrary(text);
      if (text !== documents[documents.length - 1]) assert.ok(entries, `expected the subset reader to accept:\n${text}`);
    }
  });

  it('declines whatever is outside the subset', () => {
    const declined = [
      'items:\n  - &a {name: x}\n  - *a\n',
      'items:\n  - name: !!str 1\n',
      'items:\n  - name: a\n    text: multi\n      line plain\n',
      'items:\n  - name: "multi\n      line quoted"\n',
      'items:\n  - name: "\\x41"\n',
      'items:\n\t- name: a\n',
      'items:\r\n  - name: a\r\n',
      '\uFEFFitems:\n  - name: a\n',
      '%YAML 1.2\n---\nitems: []\n',
      'items:\n  - name: a\n---\nitems: []\n',
      'items:\n  - name: a\n    name: b\n',
      'items:\n  - "quoted key": 1\n',
      'items:\n  - name: a\n    text: |+\n      keep\n\n',
      'items:\n  - name: a\n    text: |2\n        explicit\n',
      'items:\n  - name: a\n    text: |\n\n      leading blank\n',
      'items:\n  - name: a\n    text: >\n      folded\n        more indented\n',
      'items:\n  - name: a\n    m: {a: 1}\n',
      'items:\n  - name: a\n    s: [a, [b]]\n',
      'items:\n  -\n  - name: a\n',
      'items:\n  - - nested\n',
      'items: []\n',
      'items: not a list\n',
      'items:\n  name: a mapping\n',
      '[1, 2]\n',
      '  items:\n    - name: indented root\n',
      'items:\n  - name: a\n    __proto__: x\n',
      'items:\n  - name: a\n    true: x\n',
      'items:\n  - name: a\n    1: x\n',
      'items:\n  - name: a: b\n',
      'items:\n  - name: a\n   bad: indent\n',
      '',
      '# only a comment\n',
    ];
    for (const text of declined) assert.equal(parseYamlSubset(text, 'items', 64), undefined, text);
  });

  it('declines documents nested deeper than the limit', () => {
    // The root mapping is level 1, the list level 2, an entry level 3; a mapping at level d has its keys at column 2(d-1).
    const nested = (depth: number) => {
      let text = 'items:\n  - name: a\n';
      for (let level = 3; level < depth; level++) text += `${'  '.repeat(level - 1)}k${level}:\n`;
      return `${text}${'  '.repeat(depth - 1)}leaf: 1\n`;
    };
    assert.ok(parseYamlSubset(nested(64), 'items', 64));
    assert.equal(parseYamlSubset(nested(65), 'items', 64), undefined);
  });

  it('reports a missing key without declining', () => {
    assert.deepEqual(parseYamlSubset('other:\n  - name: a\n', 'items', 64), { missingKey: true });
  });

  it('agrees with the library on generated documents', () => {
    const random = seededRandom(20240217);
    let accepted = 0;
    for (let round = 0; round < 1000; round++) {
      const text = randomDocument(random);
      if (assertAgreesWithLibrary(text)) accepted++;
    }
    // The generator mixes supported and unsupported constructs; both paths must be exercised.
    assert.ok(accepted > 300 && accepted < 1000, `accepted ${accepted} of 1000`);
  });

  it('locates nested nodes of fast-path entries where the library does', () => {
    const text = 'items:\n  - name: a\n    tools:\n      - skillRef: s1\n      - skillRef: 7\n    text: |\n      body\n  - name: b\n    extra: 1\n';
    const parsed = parseSourceDocument(text, { file: 'f', maxBytes: 1e6, yamlKey: 'items' });
    assert.ok(parsed.ok);
    const reference = library(text, 'items');
    const probes: [number, (string | number)[], 'key' | 'value'][] = [
      [0, ['tools', 1, 'skillRef'], 'value'],
      [0, ['tools', 1], 'value'],
      [0, ['text'], 'value'],
      [0, ['missing'], 'value'],
      [1, ['extra'], 'key'],
      [1, [], 'value'],
    ];
    for (const [index, path, target] of probes) {
      const { line, col } = reference.counter.linePos(locateOffset(reference.list!.items[index] as Node, path, target));
      assert.deepEqual(parsed.entries[index].locate(path, target), { line, column: col }, JSON.stringify(path));
    }
  });
});


const KEYS = ['name', 'a', 'b.c', 'x-y', 'k_1', '$ref', 'a/b', 'yes', 'on'];
const SCALARS = [
  'plain', 'two  words', '~', 'null', 'NULL', 'true', 'False', 'yes', '0', '-0', '+12', '012', '0o17', '0x1F', '1e3',
  '1.50', '.5', '.inf', '-.Inf', '.nan', '1_000', 'http://x.y/z?q=1', 'a#b', 'a #comment', "it's", '"double"',
  '"esc \\n \\t \\u00e9 \\" \\\\ \\/"', "'single ''q'''", '[a, b]', '[]', '{}', '[ ]', '[1, x]', '-x', 'x   ',
  'ünï 😀', 'C# rocks', 'a,b', '"a" # c',
];
// Mostly outside the subset or invalid YAML: the reader must decline or agree.
const TRICKY_SCALARS = [
  '"bad \\q"', "'unterminated", '[a, ]', '{a: 1}', '&anchor v', '*alias', '!tag v', '- x', '-', ':x', '?x', 'a: b',
  'trailing:', '@x', '`x', '[a, b', '[a]x', "'a'x", '"unterminated',
];
const BLOCK_LINES = ['text', 'more text  ', '', '', '   ', '# hash', '  indented', 'last', 'a: b', '- item'];

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)];
}

function scalar(random: () => number): string {
  return random() < 0.05 ? pick(random, TRICKY_SCALARS) : pick(random, SCALARS);
}

function randomDocument(random: () => number): string {
  const lines: string[] = [];
  if (random() < 0.2) lines.push('# leading comment');
  lines.push(random() < 0.9 ? 'items:' : 'items: []');
  const itemIndent = random() < 0.3 ? 0 : 2;
  const count = 1 + Math.floor(random() * 4);
  for (let item = 0; item < count; item++) {
    if (random() < 0.15) lines.push(`${' '.repeat(Math.floor(random() * 6))}# between`);
    if (random() < 0.1) lines.push('');
    if (random() < 0.1) {
      lines.push(`${' '.repeat(itemIndent)}- ${scalar(random)}`);
      continue;
    }
    const keyIndent = itemIndent + 2 + (random() < 0.1 ? 2 : 0);
    const keys = randomKeys(random);
    keys.forEach((key, field) => {
      const prefix = field === 0 ? `${' '.repeat(itemIndent)}-${' '.repeat(keyIndent - itemIndent - 1)}` : ' '.repeat(keyIndent);
      randomField(random, lines, prefix, key, keyIndent, 3);
    });
  }
  if (random() < 0.2) lines.push('trailer: 1');
  return lines.join('\n') + (random() < 0.9 ? '\n' : '');
}

/** Distinct keys for one mapping (a repeated key would only exercise the library's error path). */
function randomKeys(random: () => number): string[] {
  const count = 1 + Math.floor(random() * 4);
  return [...new Set(Array.from({ length: count }, () => pick(random, KEYS)))];
}

function randomField(random: () => number, lines: string[], prefix: string, key: string, indent: number, budget: number): void {
  const choice = random();
  if (choice < 0.55 || budget === 0) {
    lines.push(`${prefix}${key}: ${scalar(random)}`);
  } else if (choice < 0.7) {
    lines.push(`${prefix}${key}: ${pick(random, random() < 0.1 ? ['|+', '>2'] : ['|', '|-', '>', '>-'])}`);
    const contentIndent = indent + (random() < 0.8 ? 2 : 1);
    const count = 1 + Math.floor(random() * 4);
    for (let i = 0; i < count; i++) {
      const text = i === 0 && random() < 0.9 ? 'first' : pick(random, BLOCK_LINES);
      lines.push(text.trim() === '' ? text : ' '.repeat(contentIndent) + text);
    }
  } else if (choice < 0.85) {
    lines.push(`${prefix}${key}:`);
    const childIndent = indent + 2;
    for (const child of randomKeys(random)) randomField(random, lines, ' '.repeat(childIndent), child, childIndent, budget - 1);
  } else {
    lines.push(`${prefix}${key}:`);
    const dashIndent = random() < 0.5 ? indent : indent + 2;
    const count = 1 + Math.floor(random() * 3);
    for (let i = 0; i < count; i++) {
      if (random() < 0.5) lines.push(`${' '.repeat(dashIndent)}- ${scalar(random)}`);
      else randomField(random, lines, `${' '.repeat(dashIndent)}- `, pick(random, KEYS), dashIndent + 2, budget - 1);
    }
  }
}
