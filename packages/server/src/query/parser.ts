import { FilterQueryError } from '../errors.js';
import type { Comparison, FieldPath, FilterExpression, Literal, PathSegment, Token } from './ast.js';
import { Lexer } from './lexer.js';

/** Limits of spec 01 §10.7.6. */
export const FILTER_LIMITS = {
  maxLength: 4096,
  maxComparisons: 100,
  maxDepth: 32,
  maxInValues: 100,
} as const;

/**
 * Parses a filterQuery (spec 01 §10.7.2) into a syntax tree, or throws `FilterQueryError` with the
 * position of the offending token. Recursion is bounded by the nesting limit, so hostile input cannot
 * exhaust the stack.
 */
export function parseFilterQuery(input: string): FilterExpression {
  if (input.length > FILTER_LIMITS.maxLength) {
    throw new FilterQueryError(
      FILTER_LIMITS.maxLength + 1,
      `filterQuery exceeds maximum length of ${FILTER_LIMITS.maxLength} characters`,
    );
  }
  return new Parser(input).parseQuery();
}

class Parser {
  private readonly lexer: Lexer;
  private current: Token;
  private previous: Token | undefined;
  private comparisons = 0;

  constructor(private readonly input: string) {
    this.lexer = new Lexer(input);
    this.current = this.lexer.next();
  }

  parseQuery(): FilterExpression {
    const expression = this.parseOr(0);
    const trailing = this.peek();
    if (trailing.kind !== 'end') {
      throw this.errorAtCurrent(`unexpected "${trailing.text}" after end of expression`);
    }
    return expression;
  }

  /** The lookahead token; read through a method so narrowings do not survive `advance()`. */
  private peek(): Token {
    return this.current;
  }

  private advance(): Token {
    this.previous = this.current;
    this.current = this.lexer.next();
    return this.previous;
  }

  private isKeyword(keyword: string): boolean {
    const token = this.peek();
    return token.kind === 'keyword' && token.keyword === keyword;
  }

  private errorAtCurrent(detail: string): FilterQueryError {
    return new FilterQueryError(this.current.position, detail);
  }

  private parseOr(depth: number): FilterExpression {
    const operands = [this.parseAnd(depth)];
    while (this.isKeyword('OR')) {
      this.advance();
      operands.push(this.parseAnd(depth));
    }
    return operands.length === 1 ? operands[0] : { type: 'or', operands };
  }

  private parseAnd(depth: number): FilterExpression {
    const operands = [this.parseFactor(depth)];
    while (this.isKeyword('AND')) {
      this.advance();
      operands.push(this.parseFactor(depth));
    }
    return operands.length === 1 ? operands[0] : { type: 'and', operands };
  }

  private parseFactor(depth: number): FilterExpression {
    if (this.peek().kind !== 'leftParen') return this.parseComparison();
    if (depth >= FILTER_LIMITS.maxDepth) {
      throw this.errorAtCurrent(`expressions nested too deeply (maximum ${FILTER_LIMITS.maxDepth})`);
    }
    this.advance();
    const inner = this.parseOr(depth + 1);
    if (this.peek().kind !== 'rightParen') throw this.errorAtCurrent('expected ")"');
    this.advance();
    return inner;
  }

  private parseComparison(): Comparison {
    const start = this.peek();
    if (start.kind !== 'identifier' && start.kind !== 'quotedName') {
      throw this.errorAtCurrent(
        start.kind === 'end' ? 'expected a field name' : `expected a field name but found "${start.text}"`,
      );
    }
    this.comparisons++;
    if (this.comparisons > FILTER_LIMITS.maxComparisons) {
      throw this.errorAtCurrent(`too many comparisons (maximum ${FILTER_LIMITS.maxComparisons})`);
    }
    const field = this.parsePath();
    const operatorToken = this.peek();
    if (operatorToken.kind === 'operator') {
      this.advance();
      return {
        type: 'comparison',
        operator: 'compare',
        field,
        comparator: operatorToken.operator,
        operatorText: operatorToken.text,
        operatorPosition: operatorToken.position,
        value: this.parseScalar(),
      };
    }
    let negated = false;
    if (this.isKeyword('NOT')) {
      this.advance();
      negated = true;
      if (!this.isKeyword('LIKE') && !this.isKeyword('ILIKE') && !this.isKeyword('IN')) {
        throw this.errorAtCurrent('expected LIKE, ILIKE or IN after "NOT"');
      }
    }
    const keywordToken = this.peek();
    const keyword = keywordToken.kind === 'keyword' ? keywordToken.keyword : undefined;
    if (keyword === 'LIKE' || keyword === 'ILIKE') {
      this.advance();
      const pattern = this.peek();
      if (pattern.kind !== 'string') throw this.errorAtCurrent(`${keyword} requires a string pattern`);
      this.advance();
      return {
        type: 'comparison',
        operator: 'like',
        field,
        negated,
        caseInsensitive: keyword === 'ILIKE',
        operatorText: negated ? `NOT ${keyword}` : keyword,
        operatorPosition: operatorToken.position,
        pattern: { kind: 'string', value: pattern.value, text: pattern.text, position: pattern.position },
      };
    }
    if (keyword === 'IN') {
      this.advance();
      return {
        type: 'comparison',
        operator: 'in',
        field,
        negated,
        operatorText: negated ? 'NOT IN' : 'IN',
        operatorPosition: operatorToken.position,
        values: this.parseInList(),
      };
    }
    throw this.errorAtCurrent(`expected an operator after "${field.text}"`);
  }

  private parsePath(): FieldPath {
    const first = this.peek();
    const segments: PathSegment[] = [this.parseSegment()];
    let last = this.previous!;
    while (this.peek().kind === 'dot') {
      this.advance();
      const next = this.peek();
      if (next.kind !== 'identifier' && next.kind !== 'quotedName') {
        throw this.errorAtCurrent('expected a field name after "."');
      }
      segments.push(this.parseSegment());
      last = this.previous!;
    }
    const start = first.position - 1;
    return { segments, text: this.input.slice(start, last.position - 1 + last.text.length), position: first.position };
  }

  private parseSegment(): PathSegment {
    const token = this.advance();
    if (token.kind === 'quotedName') return { name: token.name, quoted: true };
    if (token.kind === 'identifier') return { name: token.name, quoted: false };
    throw new Error('parseSegment called on a token that is not a name');
  }

  private parseInList(): Literal[] {
    if (this.peek().kind !== 'leftParen') throw this.errorAtCurrent('IN requires a parenthesized list of values');
    this.advance();
    const values: Literal[] = [];
    if (this.peek().kind === 'rightParen') {
      this.advance();
      return values;
    }
    if (this.peek().kind === 'end') throw this.errorAtCurrent('expected ")"');
    for (;;) {
      if (values.length === FILTER_LIMITS.maxInValues) {
        throw this.errorAtCurrent(`too many values in IN list (maximum ${FILTER_LIMITS.maxInValues})`);
      }
      values.push(this.parseScalar());
      if (this.peek().kind === 'comma') {
        this.advance();
        continue;
      }
      if (this.peek().kind !== 'rightParen') throw this.errorAtCurrent('expected ")"');
      this.advance();
      return values;
    }
  }

  private parseScalar(): Literal {
    const token = this.peek();
    switch (token.kind) {
      case 'string':
        this.advance();
        return { kind: 'string', value: token.value, text: token.text, position: token.position };
      case 'number':
        this.advance();
        return { kind: 'number', value: token.value, text: token.text, position: token.position };
      case 'keyword':
        if (token.keyword === 'TRUE' || token.keyword === 'FALSE') {
          this.advance();
          return { kind: 'boolean', value: token.keyword === 'TRUE', text: token.text, position: token.position };
        }
        break;
      case 'end':
        throw this.errorAtCurrent(`expected a value after "${this.previous!.text}"`);
    }
    throw this.errorAtCurrent(`expected a string, number or boolean but found "${token.text}"`);
  }
}
