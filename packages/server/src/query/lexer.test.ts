import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FilterQueryError } from '../errors.js';
import type { Token } from './ast.js';
import { Lexer } from './lexer.js';

function tokens(input: string): Token[] {
  const lexer = new Lexer(input);
  const all: Token[] = [];
  for (;;) {
    const token = lexer.next();
    all.push(token);
    if (token.kind === 'end') return all;
  }
}

function lexError(input: string): { position: number; detail: string } {
  try {
    tokens(input);
  } catch (error) {
    assert.ok(error instanceof FilterQueryError);
    return { position: error.position, detail: error.detail };
  }
  assert.fail(`expected a lexer error for ${JSON.stringify(input)}`);
}

test('keywords are case-insensitive and never identifiers', () => {
  const kinds = tokens('and Or NOT in Like ilike True false').map((t) => (t.kind === 'keyword' ? t.keyword : t.kind));
  assert.deepEqual(kinds, ['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'TRUE', 'FALSE', 'end']);
  const [word] = tokens('android');
  assert.equal(word.kind, 'identifier');
});

test('identifiers, dots and backtick names with doubled backticks', () => {
  const all = tokens('a_1.`mlflow.source type`.`x``y`');
  assert.deepEqual(all.map((t) => t.kind), ['identifier', 'dot', 'quotedName', 'dot', 'quotedName', 'end']);
  assert.equal(all[2].kind === 'quotedName' && all[2].name, 'mlflow.source type');
  assert.equal(all[4].kind === 'quotedName' && all[4].name, 'x`y');
  assert.equal(all[4].position, 26);
  assert.equal(all[5].position, 32);
});

test('strings: both quotes, doubled delimiters, backslash escapes, unknown escapes kept', () => {
  const value = (input: string) => {
    const [token] = tokens(input);
    assert.equal(token.kind, 'string');
    return token.kind === 'string' ? token.value : undefined;
  };
  assert.equal(value("'it''s'"), "it's");
  assert.equal(value('"say ""hi"""'), 'say "hi"');
  assert.equal(value(`'a\\'b\\"c\\\\d'`), `a'b"c\\d`);
  assert.equal(value("'\\n\\t\\r'"), '\n\t\r');
  assert.equal(value("'100\\%'"), '100\\%');
  assert.equal(value("'\\q'"), '\\q');
  assert.equal(value(`"it's"`), "it's");
  assert.equal(value("''"), '');
});

test('numbers: signs, leading-dot fractions and exponents', () => {
  const values = tokens('1 -3 +2.5 .5 1e-5 2.5E+3 -.25').flatMap((t) => (t.kind === 'number' ? [t.value] : []));
  assert.deepEqual(values, [1, -3, 2.5, 0.5, 1e-5, 2500, -0.25]);
  assert.deepEqual(tokens('1e').map((t) => t.kind), ['number', 'identifier', 'end']);
});

test('operators: two-character forms win', () => {
  const ops = tokens('= != <> < > <= >=').flatMap((t) => (t.kind === 'operator' ? [t.operator] : []));
  assert.deepEqual(ops, ['=', '!=', '<>', '<', '>', '<=', '>=']);
});

test('whitespace is space, tab, CR and LF; positions are 1-based UTF-16 offsets', () => {
  const all = tokens(' \t\r\nx y');
  assert.deepEqual(all.map((t) => t.position), [5, 7, 8]);
  assert.deepEqual(lexError('x\u00e9'), { position: 2, detail: "unexpected character '\u00e9'" });
  assert.deepEqual(lexError('\u{1F600} x'), { position: 1, detail: "unexpected character '\u{1F600}'" });
  assert.deepEqual(tokens('`\u{1F600}` x').map((t) => t.position), [1, 6, 7]);
});

test('bad characters are errors at their position; there are no comments', () => {
  assert.deepEqual(lexError("name = 'x'; DROP"), { position: 11, detail: "unexpected character ';'" });
  assert.deepEqual(lexError('a -- comment'), { position: 3, detail: "unexpected character '-'" });
  assert.deepEqual(lexError('/* x */'), { position: 1, detail: "unexpected character '/'" });
  assert.deepEqual(lexError('@x'), { position: 1, detail: "unexpected character '@'" });
  assert.deepEqual(lexError('!x'), { position: 1, detail: "unexpected character '!'" });
  assert.deepEqual(lexError('a\u0001'), { position: 2, detail: "unexpected character '\\u0001'" });
});

test('unterminated strings and names report where they start', () => {
  assert.deepEqual(lexError("name  = 'abc"), { position: 9, detail: 'unterminated string starting at position 9' });
  assert.deepEqual(lexError("x = 'abc\\'"), { position: 5, detail: 'unterminated string starting at position 5' });
  assert.deepEqual(lexError('x = "a""'), { position: 5, detail: 'unterminated string starting at position 5' });
  assert.deepEqual(lexError('`abc'), { position: 1, detail: 'unterminated quoted name starting at position 1' });
});

test('NUL is rejected even inside strings, since PostgreSQL text cannot hold it', () => {
  assert.deepEqual(lexError("x = 'a\u0000'"), { position: 7, detail: "unexpected character '\\u0000'" });
  assert.deepEqual(lexError('`a\u0000`'), { position: 3, detail: "unexpected character '\\u0000'" });
});

test('unpaired surrogates are rejected: they have no UTF-8 encoding', () => {
  assert.deepEqual(lexError("x = 'a\ud800'"), { position: 7, detail: "unexpected character '\\ud800'" });
  assert.deepEqual(lexError("x = 'a\udc00b'"), { position: 7, detail: "unexpected character '\\udc00'" });
  assert.deepEqual(lexError("x = '\\\ud800'"), { position: 7, detail: "unexpected character '\\ud800'" });
  assert.deepEqual(lexError('`\udfff`'), { position: 2, detail: "unexpected character '\\udfff'" });
  assert.deepEqual(lexError('\ud800 = 1'), { position: 1, detail: "unexpected character '\\ud800'" });
  const [paired] = tokens("'\u{1F600}'");
  assert.equal(paired.kind === 'string' && paired.value, '\u{1F600}');
});
