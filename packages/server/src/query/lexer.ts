import { FilterQueryError } from '../errors.js';
import type { ComparisonOperator, Keyword, Token } from './ast.js';

const KEYWORDS = new Set<string>(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'TRUE', 'FALSE']);

const BACKSLASH_ESCAPES: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r' };

const NUMBER = /[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/y;
const IDENTIFIER = /[A-Za-z_][A-Za-z0-9_]*/y;

/**
 * Pull lexer of the filterQuery grammar (spec 01 §10.7.1). Tokens are produced on demand so that the
 * parser reports the first problem in reading order: a syntax error before a bad character wins.
 * Positions are 1-based UTF-16 offsets; the end token sits at length + 1.
 */
export class Lexer {
  private offset = 0;

  constructor(private readonly input: string) {}

  next(): Token {
    this.skipWhitespace();
    const start = this.offset;
    const position = start + 1;
    if (start >= this.input.length) return { kind: 'end', text: '', position };
    const char = this.input[start];
    switch (char) {
      case '(':
        this.offset++;
        return { kind: 'leftParen', text: char, position };
      case ')':
        this.offset++;
        return { kind: 'rightParen', text: char, position };
      case ',':
        this.offset++;
        return { kind: 'comma', text: char, position };
      case "'":
      case '"':
        return this.readString(char);
      case '`':
        return this.readQuotedName();
    }
    const operator = this.readOperator();
    if (operator) return { kind: 'operator', operator, text: operator, position };
    const number = this.match(NUMBER);
    if (number !== undefined) return { kind: 'number', value: Number(number), text: number, position };
    if (char === '.') {
      this.offset++;
      return { kind: 'dot', text: char, position };
    }
    const word = this.match(IDENTIFIER);
    if (word !== undefined) {
      const upper = word.toUpperCase();
      if (KEYWORDS.has(upper)) return { kind: 'keyword', keyword: upper as Keyword, text: word, position };
      return { kind: 'identifier', name: word, text: word, position };
    }
    throw unexpectedCharacter(this.input, start);
  }

  private skipWhitespace(): void {
    while (this.offset < this.input.length) {
      const char = this.input[this.offset];
      if (char !== ' ' && char !== '\t' && char !== '\r' && char !== '\n') return;
      this.offset++;
    }
  }

  private match(pattern: RegExp): string | undefined {
    pattern.lastIndex = this.offset;
    const found = pattern.exec(this.input);
    if (!found) return undefined;
    this.offset += found[0].length;
    return found[0];
  }

  private readOperator(): ComparisonOperator | undefined {
    const two = this.input.slice(this.offset, this.offset + 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      this.offset += 2;
      return two;
    }
    const one = this.input[this.offset];
    if (one === '=' || one === '<' || one === '>') {
      this.offset++;
      return one;
    }
    return undefined;
  }

  /** `'…'` or `"…"`: a doubled delimiter is one delimiter; unknown backslash sequences stay as written. */
  private readString(delimiter: string): Token {
    const start = this.offset;
    let value = '';
    let i = start + 1;
    while (i < this.input.length) {
      const char = this.input[i];
      if (char === delimiter) {
        if (this.input[i + 1] !== delimiter) {
          this.offset = i + 1;
          return { kind: 'string', value, text: this.input.slice(start, i + 1), position: start + 1 };
        }
        value += delimiter;
        i += 2;
      } else if (char === '\\' && i + 1 < this.input.length) {
        const escaped = this.input[i + 1];
        value += BACKSLASH_ESCAPES[escaped] ?? `\\${escaped}`;
        rejectUnstorable(this.input, i + 1);
        i += 2;
      } else {
        rejectUnstorable(this.input, i);
        value += char;
        i++;
      }
    }
    throw new FilterQueryError(start + 1, `unterminated string starting at position ${start + 1}`);
  }

  /** `` `any text` ``: one path segment; a doubled backtick is one backtick. */
  private readQuotedName(): Token {
    const start = this.offset;
    let name = '';
    let i = start + 1;
    while (i < this.input.length) {
      const char = this.input[i];
      if (char === '`') {
        if (this.input[i + 1] !== '`') {
          this.offset = i + 1;
          return { kind: 'quotedName', name, text: this.input.slice(start, i + 1), position: start + 1 };
        }
        name += '`';
        i += 2;
      } else {
        rejectUnstorable(this.input, i);
        name += char;
        i++;
      }
    }
    throw new FilterQueryError(start + 1, `unterminated quoted name starting at position ${start + 1}`);
  }
}

/**
 * NUL and unpaired surrogates cannot be stored in PostgreSQL text, so a literal holding one could only
 * ever fail at the database.
 */
function rejectUnstorable(input: string, offset: number): void {
  const code = input.charCodeAt(offset);
  const unpaired = (isHighSurrogate(code) && !isLowSurrogate(input.charCodeAt(offset + 1)))
    || (isLowSurrogate(code) && !isHighSurrogate(input.charCodeAt(offset - 1)));
  if (code === 0 || unpaired) throw unexpectedCharacter(input, offset);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Control characters and unpaired surrogates are shown as `\uXXXX` escapes. */
function unexpectedCharacter(input: string, offset: number): FilterQueryError {
  const codePoint = input.codePointAt(offset)!;
  const shown = codePoint < 0x20 || codePoint === 0x7f || (codePoint >= 0xd800 && codePoint <= 0xdfff)
    ? `\\u${codePoint.toString(16).padStart(4, '0')}`
    : String.fromCodePoint(codePoint);
  return new FilterQueryError(offset + 1, `unexpected character '${shown}'`);
}
