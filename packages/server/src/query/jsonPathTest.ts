import type { BoundTest } from './bindFilter.js';
import type { ResolvedField } from './fieldMap.js';
import { NUMERIC_TEXT_PATTERN } from './textValues.js';

/**
 * The positive test of a comparison on a multi-valued JSON field as one SQL/JSON path predicate, for
 * `jsonb_path_exists(root, path, vars, silent => true)`. Evaluating inside the jsonpath engine is
 * several times cheaper than a set-returning subquery per row.
 *
 * Literal values travel in `vars`; the path text holds only object keys and LIKE regular
 * expressions, written as escaped jsonpath string literals. Every item test starts with a `type()`
 * guard: lax mode would otherwise unwrap arrays inside comparisons, and a value of another JSON type
 * must simply not match (spec 01 §10.7.4).
 */
export interface JsonPathTest {
  path: string;
  vars: Record<string, unknown>;
}

/**
 * `strict`: the elements of the array at an object path. `lax`: PostgreSQL lax semantics, where every
 * step visits one level of array elements and the filter unwraps a final array.
 */
export type PathMode = 'strict' | 'lax';

type ItemType = 'string' | 'number' | 'boolean';

const IS_METADATA = '(@.type() == "object" && exists(@."metadataType"))';

const METADATA_MEMBERS: [metadataType: string, member: string][] = [
  ['MetadataStringValue', 'string_value'],
  ['MetadataIntValue', 'int_value'],
  ['MetadataDoubleValue', 'double_value'],
  ['MetadataBoolValue', 'bool_value'],
];

const JSONPATH_OPERATORS = { '=': '==', '<': '<', '>': '>', '<=': '<=', '>=': '>=' } as const;

/** Undefined for tests on dates, whose epoch conversion jsonpath cannot express. */
export function jsonPathTest(field: ResolvedField, test: BoundTest, mode: PathMode, keys: string[]): JsonPathTest | undefined {
  const vars: Record<string, unknown> = {};
  const variable = (value: unknown) => {
    const name = `v${Object.keys(vars).length}`;
    vars[name] = value;
    return `$${name}`;
  };

  let predicate: string;
  switch (test.kind) {
    case 'compare': {
      const { operand, comparator } = test;
      if (operand.type === 'date') return undefined;
      if (operand.type === 'number' && !Number.isFinite(operand.value)) {
        // jsonb cannot hold ±Infinity: the comparison is decided here, for every stored number.
        const below = operand.value > 0;
        const holds = comparator === '<' || comparator === '<=' ? below : comparator === '>' || comparator === '>=' ? !below : false;
        predicate = fieldPredicate(field, 'number', () => (holds ? '(1 == 1)' : '(1 == 0)'));
        break;
      }
      const value = variable(operand.value);
      predicate = fieldPredicate(field, operand.type, (item) => `${item} ${JSONPATH_OPERATORS[comparator]} ${value}`);
      break;
    }
    case 'like': {
      if (field.valueType === 'date') return undefined;
      const regex = jsonPathString(likePatternToRegex(test.pattern));
      predicate = fieldPredicate(field, 'string', (item) => `${item} like_regex ${regex} flag "${test.caseInsensitive ? 'is' : 's'}"`);
      break;
    }
    case 'in': {
      if (test.operands.some((operand) => operand.type === 'date')) return undefined;
      const byType = new Map<ItemType, string[]>();
      for (const operand of test.operands) {
        // ±Infinity equals no stored number.
        if (operand.type === 'number' && !Number.isFinite(operand.value)) continue;
        const type = operand.type as ItemType;
        byType.set(type, [...(byType.get(type) ?? []), variable(operand.value)]);
      }
      const alternatives = [...byType].map(([type, values]) =>
        fieldPredicate(field, type, (item) => `(${values.map((value) => `${item} == ${value}`).join(' || ')})`),
      );
      predicate = alternatives.length > 0 ? `(${alternatives.join(' || ')})` : '(1 == 0)';
      break;
    }
  }
  const steps = keys.map((key) => `.${jsonPathString(key)}`).join('');
  const path = mode === 'strict' ? `strict $${steps}[*]` : `lax $${steps}`;
  return { path: `${path} ? (${predicate})`, vars };
}

/** The test on the item `@`, reading metadata-value objects as the field asks (spec 03 §3.2). */
function fieldPredicate(field: ResolvedField, type: ItemType, compare: (item: string) => string): string {
  const plain = (item: string, numericStrings: boolean) => typedPredicate(item, type, numericStrings, compare);
  switch (field.metadata) {
    case 'none':
      return plain('@', field.numericStrings);
    case 'auto': {
      // Metadata int/double members are served as strings, so they compare as numbers.
      const members = METADATA_MEMBERS.map(([metadataType, member]) =>
        `(@."metadataType" == "${metadataType}" && ${plain(`@."${member}"`, member === 'int_value' || member === 'double_value')})`,
      );
      return `((${IS_METADATA} && @."metadataType".type() == "string" && (${members.join(' || ')})) || (!${IS_METADATA} && ${plain('@', false)}))`;
    }
    default:
      return `((${IS_METADATA} && ${plain(`@."${field.metadata}"`, field.numericStrings)}) || (!${IS_METADATA} && ${plain('@', field.numericStrings)}))`;
  }
}

function typedPredicate(item: string, type: ItemType, numericStrings: boolean, compare: (item: string) => string): string {
  const typed = `(${item}.type() == "${type}" && ${compare(item)})`;
  if (type !== 'number' || !numericStrings) return typed;
  // The pattern admits only numbers inside the double range, so .double() cannot fail on them.
  return `(${typed} || (${item}.type() == "string" && ${item} like_regex ${jsonPathString(NUMERIC_TEXT_PATTERN)} && ${compare(`${item}.double()`)}))`;
}

/** A jsonpath string literal: quotes, backslashes and control characters are escaped. */
export function jsonPathString(text: string): string {
  let literal = '"';
  for (const char of text) {
    const code = char.charCodeAt(0);
    if (char === '\\' || char === '"') literal += `\\${char}`;
    else if (code < 0x20) literal += `\\u${code.toString(16).padStart(4, '0')}`;
    else literal += char;
  }
  return `${literal}"`;
}

/**
 * A normalized LIKE pattern as an anchored regular expression (PostgreSQL ARE syntax). A run of `%`
 * becomes one `.*`: the same language, and long runs of `.*` exceed the regex compiler's limits.
 */
function likePatternToRegex(pattern: string): string {
  let regex = '';
  let afterAnyRun = false;
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i];
    if (char === '%') {
      if (!afterAnyRun) regex += '.*';
      afterAnyRun = true;
      continue;
    }
    afterAnyRun = false;
    if (char === '_') regex += '.';
    else regex += escapeRegexChar(char === '\\' ? pattern[++i] : char);
  }
  return `^${regex}$`;
}

function escapeRegexChar(char: string): string {
  return /[\\^$.|?*+()[\]{}]/.test(char) ? `\\${char}` : char;
}
