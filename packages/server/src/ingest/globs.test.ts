import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileNameFilter, validatePatterns } from './globs.js';

describe('compileNameFilter', () => {
  it('keeps Team-A-bot and drops team-a-bot-draft and other-bot (02 §12 item 13)', () => {
    const keep = compileNameFilter(['team-a-*'], ['*-draft']);
    assert.equal(keep('Team-A-bot'), true);
    assert.equal(keep('team-a-bot-draft'), false);
    assert.equal(keep('other-bot'), false);
  });

  it('keeps everything without patterns, and lets exclude win over include', () => {
    assert.equal(compileNameFilter([], [])('anything'), true);
    assert.equal(compileNameFilter([], ['x'])('y'), true);
    assert.equal(compileNameFilter(['a*'], ['*z'])('abz'), false);
  });

  it('matches any run of characters with *, including / and the empty run', () => {
    const keep = compileNameFilter(['org/*/model', 'a*b*c'], []);
    assert.equal(keep('org/team/sub/model'), true);
    assert.equal(keep('org//model'), true);
    assert.equal(keep('org/model'), false);
    assert.equal(keep('abc'), true);
    assert.equal(keep('a-b-b-c'), true);
    assert.equal(keep('a-c-b'), false);
    assert.equal(compileNameFilter(['a*a'], [])('a'), false);
    assert.equal(compileNameFilter(['**'], [])(''), true);
  });

  it('treats every other character literally and anchors at both ends', () => {
    const keep = compileNameFilter(['v1.0', '(x)+', '[ab]?', 'a\\d'], []);
    assert.equal(keep('v1.0'), true);
    assert.equal(keep('v1x0'), false);
    assert.equal(keep('(x)+'), true);
    assert.equal(keep('xx'), false);
    assert.equal(keep('[ab]?'), true);
    assert.equal(keep('a'), false);
    assert.equal(keep('a\\d'), true);
    assert.equal(keep('prefix-v1.0'), false);
    assert.equal(keep('v1.0-suffix'), false);
  });

  it('trims patterns and ignores case', () => {
    const keep = compileNameFilter(['  MODEL-*  '], []);
    assert.equal(keep('model-x'), true);
    assert.equal(keep('Model-Y'), true);
  });

  it('stays fast on patterns that make backtracking regexes explode', () => {
    const keep = compileNameFilter([`${'*a'.repeat(20)}*b`], []);
    const started = performance.now();
    assert.equal(keep('a'.repeat(255)), false);
    // A backtracking matcher needs astronomically long here; the bound only has to tell the two apart.
    assert.ok(performance.now() - started < 2000);
  });
});

describe('validatePatterns', () => {
  it('reports empty patterns as errors with the exact 04 §6 message', () => {
    assert.deepEqual(validatePatterns(['ok', '  '], ['']), [
      { severity: 'error', field: 'includedItems[1]', message: 'includedItems[1] must not be empty' },
      { severity: 'error', field: 'excludedItems[0]', message: 'excludedItems[0] must not be empty' },
    ]);
  });

  it('warns about a pattern present in both lists, ignoring case and surrounding spaces', () => {
    assert.deepEqual(validatePatterns(['a-*', 'B'], ['c', ' b ']), [
      { severity: 'warning', field: 'excludedItems[1]', message: 'pattern "b" is both included and excluded; exclude wins' },
    ]);
  });

  it('finds nothing wrong with valid distinct lists', () => {
    assert.deepEqual(validatePatterns(['team-a-*'], ['*-draft']), []);
    assert.deepEqual(validatePatterns([], []), []);
  });
});
