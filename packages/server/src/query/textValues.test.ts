import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeLikeText, likePatternToRegExp, normalizeLikePattern } from './likePattern.js';
import { parseEpochMillis, parseNumericText } from './textValues.js';

test('numeric text: the number grammar, nothing else', () => {
  assert.equal(parseNumericText('9'), 9);
  assert.equal(parseNumericText('-2.5e3'), -2500);
  assert.equal(parseNumericText('.5'), 0.5);
  assert.equal(parseNumericText('+1.'), 1);
  assert.equal(parseNumericText('9'.repeat(40)), Number('9'.repeat(40)));
  for (const text of ['', ' 9', '9 ', '0x10', 'Infinity', 'NaN', '1e', '1e100', '1,5', '9'.repeat(41)]) {
    assert.equal(parseNumericText(text), undefined, text);
  }
});

test('epoch milliseconds from digits and RFC 3339', () => {
  assert.equal(parseEpochMillis('1760000000000'), 1760000000000);
  assert.equal(parseEpochMillis('2026-02-17T10:30:00.123Z'), Date.parse('2026-02-17T10:30:00.123Z'));
  assert.equal(parseEpochMillis('2026-02-17t10:30:00.1234567z'), Date.parse('2026-02-17T10:30:00.123Z'));
  assert.equal(parseEpochMillis('2026-02-17 10:30:00-05:30'), Date.parse('2026-02-17T16:00:00Z'));
  assert.equal(parseEpochMillis('2026-02-17'), Date.parse('2026-02-17T00:00:00Z'));
  assert.equal(parseEpochMillis('0099-01-01'), Date.parse('0099-01-01T00:00:00Z'));
  // Day overflow rolls over rather than failing, as it does in SQL.
  assert.equal(parseEpochMillis('2023-02-30'), Date.parse('2023-03-02T00:00:00Z'));
  for (const text of ['2026-13-01', '2026-02-17T25:00:00Z', '2026-02-17T10:30Z', '17 Feb 2026', '2026-02-17T10:30:00', '']) {
    assert.equal(parseEpochMillis(text), undefined, text);
  }
});

test('LIKE patterns: a trailing backslash becomes literal', () => {
  assert.equal(normalizeLikePattern('a\\'), 'a\\\\');
  assert.equal(normalizeLikePattern('a\\%b\\'), 'a\\%b\\\\');
  assert.equal(normalizeLikePattern('\\\\'), '\\\\');
  assert.equal(escapeLikeText('100%_\\'), '100\\%\\_\\\\');
});

test('LIKE to RegExp: whole value, code points, escapes', () => {
  const matches = (pattern: string, text: string) => likePatternToRegExp(normalizeLikePattern(pattern)).test(text);
  assert.equal(matches('%granite%', 'ibm-granite-3b'), true);
  assert.equal(matches('granite', 'ibm-granite'), false);
  assert.equal(matches('a_c', 'a\u{1F600}c'), true);
  assert.equal(matches('a_c', 'a\nc'), true);
  assert.equal(matches('100\\%', '100%'), true);
  assert.equal(matches('100\\%', '1000'), false);
  assert.equal(matches('a.b*', 'a.b*'), true);
  assert.equal(matches('a.b', 'axb'), false);
  assert.equal(matches('(x)[y]{1}|$^', '(x)[y]{1}|$^'), true);
  assert.equal(matches('a\\', 'a\\'), true);
});
