import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fixtureContent } from './fixtureContent.js';

const SAMPLE = `# comment
mcpservers:
  - name: cluster-ops-mcp
    description: >-
      Folded
      text.
    tags: [a, b]

  - name: second
    description: x
`;

describe('fixture extraction (07 §4.2 item 7)', () => {
  test('keeps the first entry of the only top-level sequence, renamed', () => {
    assert.deepEqual(fixtureContent(SAMPLE, 'conformance-1a2b3c4d', true), {
      key: 'mcpservers',
      content: 'mcpservers:\n  - name: "conformance-1a2b3c4d"\n    description: >-\n      Folded\n      text.\n    tags: [a, b]\n',
    });
  });

  test('a name that is not the first key, a dash at column 0 and flow entries', () => {
    assert.equal(fixtureContent('agents:\n- description: d\n  name: one\n- name: two\n', 'n', true)?.content, 'agents:\n- description: d\n  name: "n"\n');
    assert.equal(fixtureContent("skills:\n  - {name: 'a b', x: 1}\n  - {name: c}\n", 'n', true)?.content, 'skills:\n  - {name: "n", x: 1}\n');
  });

  test('derived content needs exactly one top-level key holding a non-empty sequence with a name', () => {
    assert.equal(fixtureContent('source: X\nmodels:\n  - name: m\n', 'n', true), null);
    assert.equal(fixtureContent('models: []\n', 'n', true), null);
    assert.equal(fixtureContent('models:\n  key: value\n', 'n', true), null);
    assert.equal(fixtureContent('models:\n  - description: no name\n', 'n', true), null);
    assert.equal(fixtureContent('models:\n  - name: |\n      block\n', 'n', true), null);
  });

  test('a --fixture file may keep other top-level keys', () => {
    assert.equal(fixtureContent('source: X\nmodels:\n  - name: m\n  - name: o\n', 'n', false)?.content, 'source: X\nmodels:\n  - name: "n"\n');
  });

  test('JSON content', () => {
    const found = fixtureContent('{"prompttemplates": [{"name": "a", "format": "chat"}, {"name": "b"}]}', 'n', true);
    assert.equal(found?.key, 'prompttemplates');
    assert.deepEqual(JSON.parse(found!.content), { prompttemplates: [{ name: 'n', format: 'chat' }] });
  });
});
