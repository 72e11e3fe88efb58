import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isCollection, isPair, parseAllDocuments } from 'yaml';
import { findExcessiveNesting } from './nestingGuard.js';

/** Nesting depth of the deepest document's tree: a root collection is 1. */
function documentDepth(text: string): number {
  return Math.max(...parseAllDocuments(text).map((document) => treeDepth(document.contents)));
}

function treeDepth(node: unknown, depth = 1): number {
  if (isPair(node)) return Math.max(treeDepth(node.key, depth), treeDepth(node.value, depth));
  if (!isCollection(node)) return depth - 1;
  return node.items.reduce((deepest: number, item) => Math.max(deepest, treeDepth(item, depth + 1)), depth);
}

/** The smallest limit the guard accepts, i.e. its estimate of the depth. */
function guardEstimate(text: string): number {
  let limit = 0;
  while (findExcessiveNesting(text, limit)) limit++;
  return limit;
}

describe('findExcessiveNesting', () => {
  it('counts nested mappings and flow collections exactly', () => {
    const cases: [string, number][] = [
      ['a: 1\n', 1],
      ['a:\n  b:\n    c: 1\n', 3],
      ['items:\n  - name: a\n    tools:\n      - x: [1, {y: [2]}]\n', 8],
      ['- - - a\n  - b\n- c\n', 3],
      ['x: [[[[1]]]]\n', 5],
    ];
    for (const [text, depth] of cases) {
      assert.equal(documentDepth(text), depth, text);
      assert.equal(guardEstimate(text), depth, text);
    }
  });

  it('never counts deeper than the tree, at worst half as deep', () => {
    const documents = [
      'a:\n- b\n- c:\n  - d: [1, {e: [2]}]\n',
      '? - a\n  - b\n: - c\n',
      'a: &x\n  b: {c: [1]}\nd: *x\n',
      'a: |\n  [[[ {{{\n  text\nb:\n  - >\n    [[[\n  - c\n',
      'a: "multi\n  line [[[ quoted"\nb: [1,\n  [2,\n   [3]]]\nc: \'[[\' # [[[\n',
      'a: plain [[[ text\n  continued [[[\nb:\n  c: 1\n',
      '--- \na: [1]\n...\n--- \nb: {c: {d: 1}}\n',
    ];
    for (const text of documents) {
      const depth = documentDepth(text);
      const estimate = guardEstimate(text);
      assert.ok(estimate <= depth && depth <= 2 * estimate, `${text}: depth ${depth}, estimate ${estimate}`);
    }
  });

  it('reports where the first collection beyond the limit opens', () => {
    assert.deepEqual(findExcessiveNesting('a:\n  b:\n    c: 1\n', 2), { line: 3, column: 5 });
    assert.deepEqual(findExcessiveNesting('a: [1, [2]]\n', 2), { line: 1, column: 8 });
    assert.deepEqual(findExcessiveNesting('a:\n  - - x\n', 2), { line: 2, column: 5 });
    assert.equal(findExcessiveNesting('a:\n  b:\n    c: 1\n', 3), undefined);
  });
});
