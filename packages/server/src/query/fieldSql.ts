import { sql, type RawBuilder } from 'kysely';
import type { ResolvedField, ScalarType } from './fieldMap.js';
import { jsonPathString, type PathMode } from './jsonPathTest.js';
import { EPOCH_DIGITS_PATTERN, NUMERIC_TEXT_PATTERN, RFC3339_PATTERN } from './textValues.js';

/**
 * SQL for reading field values, over the aliases `e` (catalog_entities), `o` (catalog_overlays, LEFT
 * JOIN) and `g` (asset_governance, LEFT JOIN). Every expression yields NULL for a missing value or a
 * value of another JSON type, and never raises an error: casts that could fail sit behind a CASE
 * guard, because PostgreSQL does not promise to evaluate AND operands in order. Keys and user values
 * are always parameters.
 */

type Sql = RawBuilder<unknown>;

/** How to read a value: as one of the comparison types, or as text for LIKE (dates match their served text). */
export type ReadAs = ScalarType | 'likeText';

/**
 * Where a field's values are: read from columns, one JSON value, or several JSON values reached from
 * `root` along `keys` (see PathMode).
 */
export type FieldValues =
  | { shape: 'column' }
  | { shape: 'single'; json: Sql }
  | { shape: 'set'; root: Sql; mode: PathMode; keys: string[] };

export interface FieldSqlContext {
  /** Governance lifecycle state of assets without a governance record. */
  defaultLifecycleState: string;
}

/** A table the list query joins to `e`: `o` (catalog_overlays) or `g` (asset_governance). */
export type TableJoin = 'overlay' | 'governance';

/** The joined table a field reads, if any. */
export function joinFor(field: ResolvedField): TableJoin | undefined {
  switch (field.source.kind) {
    case 'overlayLifecycle':
    case 'overlayTags':
    case 'annotation':
      return 'overlay';
    case 'governanceState':
    case 'governanceString':
    case 'governanceArray':
      return 'governance';
    default:
      return undefined;
  }
}

export function fieldValues(field: ResolvedField): FieldValues {
  const { source } = field;
  switch (source.kind) {
    case 'docValue':
      return { shape: 'single', json: jsonPath(sql`e.doc`, source.path) };
    case 'annotation':
      return { shape: 'single', json: sql`o.annotations -> ${source.key}::text` };
    case 'docElements':
      return { shape: 'set', root: sql`e.doc`, mode: 'strict', keys: source.path };
    case 'overlayTags':
      return { shape: 'set', root: sql`o.tags`, mode: 'strict', keys: [] };
    case 'governanceArray':
      return { shape: 'set', root: sql`g.metadata`, mode: 'strict', keys: [source.group, source.key] };
    case 'docLax':
      return { shape: 'set', root: sql`e.doc`, mode: 'lax', keys: source.path };
    default:
      return { shape: 'column' };
  }
}

/** The values of a `set` field as rows `t(v)`, for tests that jsonpath cannot express. */
export function valueRows(values: Extract<FieldValues, { shape: 'set' }>): Sql {
  if (values.mode === 'strict') {
    const array = jsonPath(values.root, values.keys);
    return sql`jsonb_array_elements(CASE WHEN jsonb_typeof(${array}) = 'array' THEN ${array} END)`;
  }
  // `[*]` adds the elements of a final array, as the lax filter does. Silent: no structural error escapes.
  const path = `lax $${values.keys.map((key) => `.${jsonPathString(key)}`).join('')}[*]`;
  return sql`jsonb_path_query(${values.root}, ${path}::jsonpath, '{}'::jsonb, true)`;
}

/**
 * The value as an SQL scalar of the requested type. `json` is the JSON value for `single`/`set`
 * fields and is ignored for column fields.
 */
export function readValue(field: ResolvedField, json: Sql | undefined, as: ReadAs, context: FieldSqlContext): Sql {
  const { source } = field;
  switch (source.kind) {
    case 'name':
      return sql`e.name`;
    case 'sourceId':
      return sql`e.source_id`;
    case 'id':
      return sql`e.id::numeric`;
    case 'overlayLifecycle':
      return sql`o.lifecycle`;
    case 'governanceState':
      return sql`COALESCE(g.lifecycle_state, ${context.defaultLifecycleState}::text)`;
    case 'governanceString': {
      const value = sql`g.metadata -> ${source.group}::text -> ${source.key}::text`;
      return sql`(CASE WHEN jsonb_typeof(${value}) = 'string' AND ${value} #>> '{}' <> '' THEN ${value} #>> '{}'
        ELSE ${source.defaultValue ?? null}::text END)`;
    }
    case 'timestamp': {
      const value = sql`e.doc -> ${source.docKey}::text`;
      const given = sql`(jsonb_typeof(${value}) = 'number' OR (jsonb_typeof(${value}) = 'string' AND ${value} #>> '{}' <> ''))`;
      const fromRow = sql`floor(extract(epoch from ${sql.ref(`e.${source.column}`)}) * 1000)`;
      if (as === 'likeText') return sql`(CASE WHEN ${given} THEN ${value} #>> '{}' ELSE ${fromRow}::text END)`;
      return sql`(CASE WHEN ${given} THEN ${jsonEpochMillis(value)} ELSE ${fromRow} END)`;
    }
  }
  const value = json!;
  switch (as) {
    case 'string':
      return jsonText(unwrapMetadata(field, value));
    case 'likeText':
      return field.valueType === 'date' ? jsonScalarText(value) : jsonText(unwrapMetadata(field, value));
    case 'boolean': {
      const member = unwrapMetadata(field, value);
      return sql`(CASE WHEN jsonb_typeof(${member}) = 'boolean' THEN (${member})::boolean END)`;
    }
    case 'date':
      return jsonEpochMillis(value);
    case 'number':
      return readNumber(field, value);
  }
}

function readNumber(field: ResolvedField, value: Sql): Sql {
  switch (field.metadata) {
    case 'none':
      return jsonNumber(value, field.numericStrings);
    case 'auto': {
      // Metadata int/double members are served as strings (spec 03 §3.2), so they compare as numbers.
      const member = sql`${value} -> ${metadataMember(value)}`;
      const numericMember = sql`${value}->>'metadataType' IN ('MetadataIntValue', 'MetadataDoubleValue')`;
      return sql`(CASE WHEN ${isMetadata(value)} THEN ${jsonNumber(member, numericMember)} ELSE ${jsonNumber(value, false)} END)`;
    }
    default:
      return jsonNumber(unwrapMetadata(field, value), true);
  }
}

/** The metadata member a field reads, or the value itself when it is not a metadata-value object. */
function unwrapMetadata(field: ResolvedField, value: Sql): Sql {
  if (field.metadata === 'none') return value;
  const member = field.metadata === 'auto' ? metadataMember(value) : sql`${field.metadata}::text`;
  return sql`(CASE WHEN ${isMetadata(value)} THEN ${value} -> ${member} ELSE ${value} END)`;
}

/** The member a metadata-value object's `metadataType` names (spec 03 §3.2). */
function metadataMember(value: Sql): Sql {
  return sql`(CASE ${value}->>'metadataType'
    WHEN 'MetadataStringValue' THEN 'string_value' WHEN 'MetadataIntValue' THEN 'int_value'
    WHEN 'MetadataDoubleValue' THEN 'double_value' WHEN 'MetadataBoolValue' THEN 'bool_value' END)`;
}

function isMetadata(value: Sql): Sql {
  return sql`(jsonb_typeof(${value}) = 'object' AND ${value} ? 'metadataType')`;
}

function jsonPath(root: Sql, path: string[]): Sql {
  return path.reduce<Sql>((value, key) => sql`${value} -> ${key}::text`, root);
}

function jsonText(value: Sql): Sql {
  return sql`(CASE WHEN jsonb_typeof(${value}) = 'string' THEN ${value} #>> '{}' END)`;
}

/** Text of a string or number, as served. */
function jsonScalarText(value: Sql): Sql {
  return sql`(CASE WHEN jsonb_typeof(${value}) IN ('string', 'number') THEN ${value} #>> '{}' END)`;
}

function jsonNumber(value: Sql, numericStrings: boolean | Sql): Sql {
  const fromString = numericStrings === false
    ? sql``
    : sql`WHEN ${numericStrings === true ? sql`true` : numericStrings} AND jsonb_typeof(${value}) = 'string'
        AND ${value} #>> '{}' ~ ${NUMERIC_TEXT_PATTERN}::text THEN (${value} #>> '{}')::numeric`;
  return sql`(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric ${fromString} END)`;
}

/** Epoch milliseconds of a JSON number, a string of digits or an RFC 3339 string. */
function jsonEpochMillis(value: Sql): Sql {
  const text = sql`(${value} #>> '{}')`;
  return sql`(CASE WHEN jsonb_typeof(${value}) = 'number' THEN (${value})::numeric
    WHEN jsonb_typeof(${value}) = 'string' AND ${text} ~ ${EPOCH_DIGITS_PATTERN}::text THEN ${text}::numeric
    WHEN jsonb_typeof(${value}) = 'string' AND ${text} ~ ${RFC3339_PATTERN}::text THEN ${rfc3339EpochMillis(text)} END)`;
}

/**
 * Epoch milliseconds of text already known to match RFC3339_PATTERN, by interval arithmetic on a
 * timestamp without time zone: unlike a cast, it cannot fail on a day that does not exist (it rolls
 * over, as JavaScript's Date does) and does not depend on the session time zone.
 */
function rfc3339EpochMillis(text: Sql): Sql {
  const part = (from: number, length: number) => sql`substr(${text}, ${sql.lit(from)}, ${sql.lit(length)})::int`;
  const date = sql`make_interval(years => ${part(1, 4)} - 1970, months => ${part(6, 2)} - 1, days => ${part(9, 2)} - 1)`;
  const time = sql`make_interval(hours => ${part(12, 2)}, mins => ${part(15, 2)}, secs => ${part(18, 2)})`;
  const offsetText = sql`right(${text}, 6)`;
  const offsetMinutes = sql`(CASE WHEN ${text} ~ '[+-][0-9]{2}:[0-9]{2}$'
    THEN (CASE WHEN substr(${offsetText}, 1, 1) = '-' THEN -1 ELSE 1 END)
      * (substr(${offsetText}, 2, 2)::int * 60 + substr(${offsetText}, 5, 2)::int)
    ELSE 0 END)`;
  const millis = sql`COALESCE(rpad(substr(substring(${text} from '[.]([0-9]+)'), 1, 3), 3, '0')::int, 0)`;
  return sql`(CASE WHEN length(${text}) = 10
    THEN extract(epoch from timestamp '1970-01-01' + ${date}) * 1000
    ELSE extract(epoch from timestamp '1970-01-01' + ${date} + ${time}) * 1000 + ${millis} - ${offsetMinutes} * 60000 END)`;
}
