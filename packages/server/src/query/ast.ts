/**
 * Tokens and syntax tree of the filterQuery grammar (spec 01 §10.7.1–10.7.2).
 * Every node keeps the 1-based UTF-16 position of its first character, because every later
 * error (field resolution, type checking) must point at the offending token.
 */

export type Keyword = 'AND' | 'OR' | 'NOT' | 'IN' | 'LIKE' | 'ILIKE' | 'TRUE' | 'FALSE';

export type ComparisonOperator = '=' | '!=' | '<>' | '<' | '>' | '<=' | '>=';

export type Token =
  | { kind: 'identifier'; name: string; text: string; position: number }
  | { kind: 'quotedName'; name: string; text: string; position: number }
  | { kind: 'keyword'; keyword: Keyword; text: string; position: number }
  | { kind: 'string'; value: string; text: string; position: number }
  | { kind: 'number'; value: number; text: string; position: number }
  | { kind: 'operator'; operator: ComparisonOperator; text: string; position: number }
  | { kind: 'dot' | 'comma' | 'leftParen' | 'rightParen'; text: string; position: number }
  | { kind: 'end'; text: ''; position: number };

export interface PathSegment {
  name: string;
  /** Backtick-quoted segments are always names: they are never read as a type suffix. */
  quoted: boolean;
}

export interface FieldPath {
  segments: PathSegment[];
  /** The path as written, for messages. */
  text: string;
  position: number;
}

export type Literal =
  | { kind: 'string'; value: string; text: string; position: number }
  | { kind: 'number'; value: number; text: string; position: number }
  | { kind: 'boolean'; value: boolean; text: string; position: number };

export type StringLiteral = Extract<Literal, { kind: 'string' }>;

interface ComparisonBase {
  type: 'comparison';
  field: FieldPath;
  /** Operator as written, upper-cased keywords (`<>`, `NOT LIKE`), for messages. */
  operatorText: string;
  operatorPosition: number;
}

export interface ValueComparison extends ComparisonBase {
  operator: 'compare';
  comparator: ComparisonOperator;
  value: Literal;
}

export interface LikeComparison extends ComparisonBase {
  operator: 'like';
  negated: boolean;
  caseInsensitive: boolean;
  pattern: StringLiteral;
}

export interface InComparison extends ComparisonBase {
  operator: 'in';
  negated: boolean;
  values: Literal[];
}

export type Comparison = ValueComparison | LikeComparison | InComparison;

export interface LogicalExpression {
  type: 'and' | 'or';
  operands: FilterExpression[];
}

export type FilterExpression = LogicalExpression | Comparison;
