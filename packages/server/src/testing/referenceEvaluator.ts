import type { BoundComparison, BoundExpression, Operand } from '../query/bindFilter.js';
import type { ResolvedField, TypeSuffix } from '../query/fieldMap.js';
import { likePatternToRegExp } from '../query/likePattern.js';
import { parseEpochMillis, parseNumericText } from '../query/textValues.js';

/**
 * In-memory evaluation of a bound filter with the semantics of spec 01 §10.7.5, written directly from
 * the spec and independently of the SQL compiler: tests run both on the same data and compare.
 */

/** An entity as the list query sees it: the row, its overlay and its governance record, if any. */
export interface EvaluatedEntity {
  id: string;
  name: string;
  sourceId: string;
  doc: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  overlay?: { tags?: unknown; annotations?: unknown; lifecycle?: string | null };
  governance?: { state: string; metadata: Record<string, unknown> };
}

export interface EvaluationContext {
  defaultLifecycleState: string;
}

const METADATA_MEMBERS: Record<string, TypeSuffix> = {
  MetadataStringValue: 'string_value',
  MetadataIntValue: 'int_value',
  MetadataDoubleValue: 'double_value',
  MetadataBoolValue: 'bool_value',
};

export function evaluateFilter(expression: BoundExpression, entity: EvaluatedEntity, context: EvaluationContext): boolean {
  switch (expression.type) {
    case 'and':
      return expression.operands.every((operand) => evaluateFilter(operand, entity, context));
    case 'or':
      return expression.operands.some((operand) => evaluateFilter(operand, entity, context));
    case 'comparison': {
      const matched = valuesOf(expression.field, entity, context).some((value) => testValue(expression, value));
      return expression.negated ? !matched : matched;
    }
  }
}

/** A value as the comparison sees it: its JSON value, or for timestamps the served text and epoch. */
type Value = { json: unknown } | { served: string; epoch: number | undefined };

function valuesOf(field: ResolvedField, entity: EvaluatedEntity, context: EvaluationContext): Value[] {
  const { source } = field;
  const json = (values: unknown[]): Value[] => values.map((value) => ({ json: value }));
  switch (source.kind) {
    case 'name':
      return json([entity.name]);
    case 'sourceId':
      return json([entity.sourceId]);
    case 'id':
      return json([Number(entity.id)]);
    case 'overlayLifecycle':
      return json([entity.overlay?.lifecycle ?? null]);
    case 'overlayTags':
      return json(elements(entity.overlay?.tags));
    case 'annotation':
      return json([member(entity.overlay?.annotations, source.key)]);
    case 'governanceState':
      return json([entity.governance?.state ?? context.defaultLifecycleState]);
    case 'governanceString': {
      const value = member(member(entity.governance?.metadata, source.group), source.key);
      return json([typeof value === 'string' && value !== '' ? value : (source.defaultValue ?? null)]);
    }
    case 'governanceArray':
      return json(elements(member(member(entity.governance?.metadata, source.group), source.key)));
    case 'timestamp': {
      const given = entity.doc[source.docKey];
      if (typeof given === 'number') return [{ served: String(given), epoch: given }];
      if (typeof given === 'string' && given !== '') return [{ served: given, epoch: parseEpochMillis(given) }];
      const epoch = (source.column === 'created_at' ? entity.createdAt : entity.updatedAt).getTime();
      return [{ served: String(epoch), epoch }];
    }
    case 'docValue':
      return json([source.path.reduce<unknown>((value, key) => member(value, key), entity.doc)]);
    case 'docElements':
      return json(elements(source.path.reduce<unknown>((value, key) => member(value, key), entity.doc)));
    case 'docLax':
      return json(laxPath(entity.doc, source.path));
  }
}

/** PostgreSQL lax jsonpath `$.a.b[*]`: each step visits one level of array elements. */
function laxPath(doc: unknown, path: string[]): unknown[] {
  let current: unknown[] = [doc];
  for (const key of path) {
    const next: unknown[] = [];
    for (const value of current) {
      for (const candidate of Array.isArray(value) ? value : [value]) {
        if (isObject(candidate) && Object.hasOwn(candidate, key)) next.push(candidate[key]);
      }
    }
    current = next;
  }
  return current.flatMap((value) => (Array.isArray(value) ? value : [value]));
}

function testValue(comparison: BoundComparison, value: Value): boolean {
  const { field, test } = comparison;
  switch (test.kind) {
    case 'compare': {
      const actual = read(field, value, test.operand.type);
      if (actual === undefined) return false;
      return compare(actual, test.operand.value, test.operand.type)[test.comparator];
    }
    case 'like': {
      const text = likeText(field, value);
      if (text === undefined) return false;
      const regExp = likePatternToRegExp(test.caseInsensitive ? test.pattern.toLowerCase() : test.pattern);
      return regExp.test(test.caseInsensitive ? text.toLowerCase() : text);
    }
    case 'in':
      return test.operands.some((operand) => {
        const actual = read(field, value, operand.type);
        return actual !== undefined && compare(actual, operand.value, operand.type)['='];
      });
  }
}

function compare(actual: string | number | boolean, expected: string | number | boolean, type: Operand['type']) {
  const order = type === 'string' ? compareCodePoints(actual as string, expected as string) : Math.sign((actual as number) - (expected as number));
  const equal = actual === expected;
  return { '=': equal, '<': !equal && order < 0, '>': !equal && order > 0, '<=': equal || order < 0, '>=': equal || order > 0 };
}

/** Code-point order; JavaScript's `<` compares UTF-16 code units, which differs above U+FFFF. */
function compareCodePoints(a: string, b: string): number {
  const left = Array.from(a, (char) => char.codePointAt(0)!);
  const right = Array.from(b, (char) => char.codePointAt(0)!);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    if (left[i] !== right[i]) return left[i] - right[i];
  }
  return left.length - right.length;
}

function read(field: ResolvedField, value: Value, type: Operand['type']): string | number | boolean | undefined {
  if ('served' in value) return value.epoch;
  switch (type) {
    case 'string': {
      const { json } = unwrap(field, value.json);
      return typeof json === 'string' ? json : undefined;
    }
    case 'boolean': {
      const { json } = unwrap(field, value.json);
      return typeof json === 'boolean' ? json : undefined;
    }
    case 'date':
      if (typeof value.json === 'number') return value.json;
      return typeof value.json === 'string' ? parseEpochMillis(value.json) : undefined;
    case 'number': {
      const { json, member: from } = unwrap(field, value.json);
      if (typeof json === 'number') return json;
      const numericStrings = field.numericStrings || from === 'int_value' || from === 'double_value';
      return numericStrings && typeof json === 'string' ? parseNumericText(json) : undefined;
    }
  }
}

function likeText(field: ResolvedField, value: Value): string | undefined {
  if ('served' in value) return value.served;
  if (field.valueType === 'date') {
    if (typeof value.json === 'number') return String(value.json);
    return typeof value.json === 'string' ? value.json : undefined;
  }
  const { json } = unwrap(field, value.json);
  return typeof json === 'string' ? json : undefined;
}

/** Reads a metadata-value object's member (spec 03 §3.2) as the field asks. */
function unwrap(field: ResolvedField, json: unknown): { json: unknown; member?: TypeSuffix } {
  if (field.metadata === 'none' || !isObject(json) || !Object.hasOwn(json, 'metadataType')) return { json };
  const chosen = field.metadata !== 'auto'
    ? field.metadata
    : typeof json.metadataType === 'string' && Object.hasOwn(METADATA_MEMBERS, json.metadataType)
      ? METADATA_MEMBERS[json.metadataType]
      : undefined;
  return chosen ? { json: member(json, chosen), member: chosen } : { json: undefined };
}

function member(value: unknown, key: string): unknown {
  return isObject(value) && Object.hasOwn(value, key) ? value[key] : undefined;
}

function elements(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
