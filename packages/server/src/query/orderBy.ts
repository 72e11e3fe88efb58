import { sql, type AliasedRawBuilder, type RawBuilder, type SqlBool } from 'kysely';
import { BadRequestError } from '../errors.js';
import { INVALID_PAGE_TOKEN } from './cursor.js';
import type { FieldMap, ResolvedField } from './fieldMap.js';
import { fieldValues, joinFor, readValue, type FieldSqlContext, type TableJoin } from './fieldSql.js';
import { isStorableText } from './textValues.js';

type Sql = RawBuilder<unknown>;

export type KeyType = 'text' | 'numeric' | 'boolean' | 'bigint';

export interface SortPart {
  expression: Sql;
  type: KeyType;
}

/** One sort field: its parts (a string sorts by its lower-cased form, then exactly) share presence. */
export interface SortGroup {
  parts: SortPart[];
  /** Missing values sort last in both directions (spec 01 §10.5). */
  nullable: boolean;
  descending: boolean;
  /** Served in order by an index on (namespace, plugin, kind, …keys, source_id, id). */
  indexed?: boolean;
}

/** Sort key of one row as stored in a cursor: per group, the parts as text, or null when missing. */
export type SortKey = (string[] | null)[];

const LEGACY_ORDER_NAMES: Record<string, (descending: boolean) => SortGroup> = {
  NAME: (descending) => nameGroup(descending),
  ID: (descending) => ({ parts: [{ expression: sql`e.id`, type: 'bigint' }], nullable: false, descending }),
  CREATE_TIME: (descending) => rowTimeGroup('created_at', descending),
  LAST_UPDATE_TIME: (descending) => rowTimeGroup('updated_at', descending),
};

/** Ties are broken by source id, then row id, ascending, so the order is total and stable. */
const TIE_BREAKERS: SortGroup[] = [
  { parts: [textPart(sql`e.source_id`)], nullable: false, descending: false },
  { parts: [{ expression: sql`e.id`, type: 'bigint' }], nullable: false, descending: false },
];

/**
 * The total order of a list (spec 01 §10.5) and its keyset: ORDER BY terms, the key columns to
 * select, and the condition "strictly after this key" for the next page.
 */
export class Ordering {
  private readonly groups: SortGroup[];

  /** @param joins tables besides `e` that the sort keys read */
  constructor(primary: SortGroup, readonly joins: ReadonlySet<TableJoin> = new Set()) {
    this.groups = [primary, ...TIE_BREAKERS];
  }

  /** True when an index delivers rows in this order, so a page can be found by walking it. */
  get indexed(): boolean {
    return this.groups[0].indexed === true && this.joins.size === 0;
  }

  /** The sort keys, aliased, for the SELECT list of the query that orders and limits. */
  keyColumns(): AliasedRawBuilder<unknown, string>[] {
    return this.groups.flatMap((group, g) => group.parts.map((part, p) => part.expression.as(keyColumn(g, p))));
  }

  /** ORDER BY terms over the sort key expressions. */
  orderByTerms(): Sql[] {
    return this.terms((part) => part.expression);
  }

  /** ORDER BY terms over the key columns of `relation`, a subquery that selected keyColumns(). */
  orderByKeyColumns(relation: string): Sql[] {
    return this.terms((part, g, p) => {
      const column = sql.ref(`${relation}.${keyColumn(g, p)}`);
      return part.type === 'text' ? sql`${column} COLLATE "C"` : column;
    });
  }

  /** The key columns of `relation` as text, so that no precision is lost on the way to the cursor. */
  keyTexts(relation: string): AliasedRawBuilder<string | null, string>[] {
    return this.groups.flatMap((group, g) =>
      group.parts.map((_, p) => sql<string | null>`(${sql.ref(`${relation}.${keyColumn(g, p)}`)})::text`.as(keyColumn(g, p))),
    );
  }

  private terms(expressionOf: (part: SortPart, group: number, index: number) => Sql): Sql[] {
    return this.groups.flatMap((group, g) => group.parts.map((part, p) => {
      const direction = group.descending ? sql`DESC` : sql`ASC`;
      // Missing values last in both directions (spec 01 §10.5).
      return sql`${expressionOf(part, g, p)} ${direction}${group.nullable ? sql` NULLS LAST` : sql``}`;
    }));
  }

  /** The sort key of a row that selected keyTexts(). */
  keyOf(row: Record<string, unknown>): SortKey {
    return this.groups.map((group, g) => {
      const parts = group.parts.map((_, p) => row[keyColumn(g, p)] as string | null);
      return parts[0] === null ? null : (parts as string[]);
    });
  }

  /** Removes the key columns from a selected row. */
  stripKeys<T extends Record<string, unknown>>(row: T): T {
    const copy: Record<string, unknown> = { ...row };
    this.groups.forEach((group, g) => group.parts.forEach((_, p) => delete copy[keyColumn(g, p)]));
    return copy as T;
  }

  /** Validates the keys of a decoded cursor: every value must cast to its column type. */
  parseKey(raw: unknown[]): SortKey {
    const invalid = () => new BadRequestError(INVALID_PAGE_TOKEN);
    if (raw.length !== this.groups.length) throw invalid();
    return this.groups.map((group, g) => {
      const value = raw[g];
      if (value === null && group.nullable) return null;
      if (!Array.isArray(value) || value.length !== group.parts.length) throw invalid();
      return group.parts.map((part, p) => {
        const text = value[p];
        if (typeof text !== 'string' || !isValidKeyText(text, part.type)) throw invalid();
        return text;
      });
    });
  }

  /** Rows strictly after `key` in this order. */
  after(key: SortKey): RawBuilder<SqlBool> {
    const uniform = this.groups.every((group) => !group.nullable && group.descending === this.groups[0].descending);
    if (uniform) {
      // One row comparison, which an index on the same columns can serve as a range.
      const columns = this.groups.flatMap((group) => group.parts.map((part) => part.expression));
      const values = this.groups.flatMap((group, g) => group.parts.map((part, p) => keyParameter(key[g]![p], part.type)));
      return sql<SqlBool>`((${sql.join(columns)}) ${this.groups[0].descending ? sql`<` : sql`>`} (${sql.join(values)}))`;
    }
    // The redundant bound on the leading key lets an index on it skip the rows before the cursor.
    const [first] = this.groups;
    if (first.nullable) return this.afterFrom(key, 0);
    const leading = first.parts[0];
    const bound = sql`${leading.expression} ${first.descending ? sql`<=` : sql`>=`} ${keyParameter(key[0]![0], leading.type)}`;
    return sql<SqlBool>`(${bound} AND ${this.afterFrom(key, 0)})`;
  }

  private afterFrom(key: SortKey, g: number): RawBuilder<SqlBool> {
    if (g === this.groups.length) return sql<SqlBool>`false`;
    const group = this.groups[g];
    const values = key[g];
    if (values === null) {
      // The last row lacked this field: only rows that lack it too can follow.
      return sql<SqlBool>`((${group.parts[0].expression}) IS NULL AND ${this.afterFrom(key, g + 1)})`;
    }
    const partsAfter = (p: number): RawBuilder<SqlBool> => {
      if (p === group.parts.length) return this.afterFrom(key, g + 1);
      const part = group.parts[p];
      const value = keyParameter(values[p], part.type);
      return sql<SqlBool>`(${part.expression} ${group.descending ? sql`<` : sql`>`} ${value}
        OR (${part.expression} = ${value} AND ${partsAfter(p + 1)}))`;
    };
    return group.nullable
      ? sql<SqlBool>`((${group.parts[0].expression}) IS NULL OR ${partsAfter(0)})`
      : partsAfter(0);
  }
}

/**
 * The ordering for an orderBy value (spec 01 §10.5, 02 §1.4): `name` (default), the legacy names,
 * or a single-valued scalar field of the kind; anything else is a 400.
 */
export function resolveOrdering(orderBy: string, descending: boolean, fields: FieldMap, context: FieldSqlContext): Ordering {
  const legacy = Object.hasOwn(LEGACY_ORDER_NAMES, orderBy) ? LEGACY_ORDER_NAMES[orderBy] : undefined;
  if (legacy) return new Ordering(legacy(descending));
  const field = fields.resolveOrderField(orderBy);
  if (!field) throw new BadRequestError(`unsupported orderBy field "${orderBy}"`);
  const join = joinFor(field);
  return new Ordering(fieldGroup(field, descending, context), new Set(join ? [join] : []));
}

/** The ordering by one resolved single-valued field (plugins resolving names of their own, spec 03 §5.3). */
export function fieldOrdering(field: ResolvedField, descending: boolean, context: FieldSqlContext): Ordering {
  const join = joinFor(field);
  return new Ordering(fieldGroup(field, descending, context), new Set(join ? [join] : []));
}

function fieldGroup(field: ResolvedField, descending: boolean, context: FieldSqlContext): SortGroup {
  switch (field.source.kind) {
    case 'name':
      return nameGroup(descending);
    case 'sourceId':
      return { parts: caseInsensitive(sql`e.source_id`), nullable: false, descending };
    case 'id':
      return LEGACY_ORDER_NAMES.ID(descending);
  }
  const values = fieldValues(field);
  const json = values.shape === 'single' ? values.json : undefined;
  switch (field.valueType) {
    case 'string':
      return { parts: caseInsensitive(readValue(field, json, 'string', context)), nullable: true, descending };
    case 'boolean':
      return { parts: [{ expression: readValue(field, json, 'boolean', context), type: 'boolean' }], nullable: true, descending };
    default:
      return { parts: [{ expression: readValue(field, json, field.valueType === 'date' ? 'date' : 'number', context), type: 'numeric' }], nullable: true, descending };
  }
}

function nameGroup(descending: boolean): SortGroup {
  // name_lower is stored so that the default order can be read from an index.
  return { parts: [textPart(sql`e.name_lower`), textPart(sql`e.name`)], nullable: false, descending, indexed: true };
}

function rowTimeGroup(column: 'created_at' | 'updated_at', descending: boolean): SortGroup {
  // Epoch seconds as numeric keep the column's microseconds, so the cursor is exact.
  return { parts: [{ expression: sql`extract(epoch from ${sql.ref(`e.${column}`)})`, type: 'numeric' }], nullable: false, descending };
}

function caseInsensitive(expression: Sql): SortPart[] {
  return [textPart(sql`lower(${expression})`), textPart(expression)];
}

/**
 * Strings order by code point whatever the database's default collation, so PGlite and every
 * PostgreSQL deployment return the same order (and an index declared with COLLATE "C" serves it).
 */
export function textPart(expression: Sql): SortPart {
  return { expression: sql`${expression} COLLATE "C"`, type: 'text' };
}

function keyColumn(group: number, part: number): string {
  return `sort_key_${group}_${part}`;
}

const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

function isValidKeyText(text: string, type: KeyType): boolean {
  switch (type) {
    case 'text':
      return isStorableText(text);
    case 'boolean':
      return text === 'true' || text === 'false';
    case 'numeric':
      return /^-?[0-9]{1,1000}(\.[0-9]{1,1000})?$/.test(text);
    case 'bigint':
      return /^-?[0-9]{1,19}$/.test(text) && BigInt(text) >= INT8_MIN && BigInt(text) <= INT8_MAX;
  }
}

function keyParameter(text: string, type: KeyType): Sql {
  switch (type) {
    case 'text':
      return sql`${text}::text`;
    case 'boolean':
      return sql`${text}::boolean`;
    case 'numeric':
      return sql`${text}::numeric`;
    case 'bigint':
      return sql`${text}::bigint`;
  }
}
