import type { KindDeclaration, TSchema } from '@catalog/framework';
import { FilterQueryError } from '../errors.js';
import type { FieldPath, PathSegment } from './ast.js';

/** The comparison types of spec 01 §10.7.5. */
export type ScalarType = 'string' | 'number' | 'boolean' | 'date';

/** `inferred`: no declared type, the literal decides how to compare (custom properties, open objects). */
export type ValueType = ScalarType | 'inferred';

export type TypeSuffix = 'string_value' | 'int_value' | 'double_value' | 'bool_value';

const TYPE_SUFFIXES = new Set<string>(['string_value', 'int_value', 'double_value', 'bool_value']);
/** A trailing segment of this shape is taken as an attempted type suffix (`float_value`). */
const SUFFIX_SHAPE = /^[a-z]+_value$/;

/**
 * Where the values of a field come from. Interpreted by the SQL compiler (aliases `e`, `o`, `g`) and
 * by the reference evaluator; both must give every kind the same meaning.
 */
export type FieldSource =
  | { kind: 'name' }
  | { kind: 'sourceId' }
  | { kind: 'id' }
  /** Overlay phase set by the `deprecate` action. */
  | { kind: 'overlayLifecycle' }
  /** Overlay tags: an array of strings. */
  | { kind: 'overlayTags' }
  | { kind: 'annotation'; key: string }
  /** Governance lifecycle state; the configured default state when the asset has no record. */
  | { kind: 'governanceState' }
  /** A string of the governance metadata; empty counts as unset; `defaultValue` applies when unset. */
  | { kind: 'governanceString'; group: string; key: string; defaultValue?: string }
  | { kind: 'governanceArray'; group: string; key: string }
  /** Epoch-millisecond timestamp served from the document when the source gave it, else from the row. */
  | { kind: 'timestamp'; docKey: 'createTimeSinceEpoch' | 'lastUpdateTimeSinceEpoch'; column: 'created_at' | 'updated_at' }
  /** One value reached through objects only. */
  | { kind: 'docValue'; path: string[] }
  /** The elements of the array reached through objects only. */
  | { kind: 'docElements'; path: string[] }
  /**
   * Existential path: every step through an array visits its elements (one level, like PostgreSQL's
   * lax jsonpath), and a final array contributes its elements.
   */
  | { kind: 'docLax'; path: string[] };

export interface ResolvedField {
  /** The field name for messages (without a type suffix). */
  display: string;
  source: FieldSource;
  valueType: ValueType;
  /**
   * How a stored metadata-value object (`{"metadataType": …, "int_value": …}`, spec 03 §3.2) is read:
   * `auto` picks the member its `metadataType` names, a suffix picks that member, `none` reads the value as is.
   */
  metadata: 'none' | 'auto' | TypeSuffix;
  /** Whether a stored string holding a decimal number compares as that number (numeric type suffixes). */
  numericStrings: boolean;
}

type SchemaInfo =
  | { kind: 'scalar'; type: ScalarType }
  | { kind: 'array'; items: SchemaInfo }
  | { kind: 'object'; properties: Record<string, TSchema> }
  | { kind: 'unknown' };

const UNKNOWN: SchemaInfo = { kind: 'unknown' };

const GOVERNANCE_STRINGS: Record<string, { group: string; key: string; defaultValue?: string }> = {
  'risk.level': { group: 'risk', key: 'level', defaultValue: 'medium' },
  'sla.tier': { group: 'sla', key: 'tier' },
  'owner.principal': { group: 'owner', key: 'principal' },
  'team.name': { group: 'team', key: 'name' },
};
const GOVERNANCE_ARRAYS: Record<string, { group: string; key: string }> = {
  'compliance.tags': { group: 'compliance', key: 'tags' },
  'compliance.controls': { group: 'compliance', key: 'controls' },
  'risk.categories': { group: 'risk', key: 'categories' },
};

const TIMESTAMPS = {
  createTimeSinceEpoch: { kind: 'timestamp', docKey: 'createTimeSinceEpoch', column: 'created_at' },
  lastUpdateTimeSinceEpoch: { kind: 'timestamp', docKey: 'lastUpdateTimeSinceEpoch', column: 'updated_at' },
} as const satisfies Record<string, FieldSource>;

const cache = new WeakMap<KindDeclaration, FieldMap>();

/** The field map of a kind, derived once per declaration. */
export function fieldMapFor(kind: KindDeclaration): FieldMap {
  let map = cache.get(kind);
  if (!map) {
    map = new FieldMap(kind);
    cache.set(kind, map);
  }
  return map;
}

/**
 * Resolves filterQuery paths and orderBy names of one kind (spec 01 §10.7.4, 02 §1.4): framework
 * fields first, then the kind's schema properties and aliases, then custom properties.
 */
export class FieldMap {
  private readonly properties: Record<string, TSchema>;
  private readonly aliases: Record<string, string>;
  private readonly notFilterable: Set<string>;

  constructor(kind: Pick<KindDeclaration, 'schema' | 'aliases' | 'notFilterable'>) {
    this.properties = kind.schema.properties ?? {};
    this.aliases = kind.aliases ?? {};
    this.notFilterable = new Set(kind.notFilterable ?? []);
  }

  /** Resolves a filterQuery path; errors point at the path. */
  resolve(path: FieldPath): ResolvedField {
    const fail = (detail: string) => new FilterQueryError(path.position, detail);
    let segments = path.segments;
    let suffix: TypeSuffix | undefined;
    const last = segments[segments.length - 1];
    if (segments.length > 1 && !last.quoted && SUFFIX_SHAPE.test(last.name)) {
      if (TYPE_SUFFIXES.has(last.name)) {
        suffix = last.name as TypeSuffix;
        segments = segments.slice(0, -1);
      } else if (!this.isDeclaredPath(segments)) {
        throw fail(`unsupported type suffix "${last.name}"`);
      }
    }
    const names = segments.map((segment: PathSegment) => segment.name);
    const field = this.resolveNames(names, fail, 'filter');
    return suffix ? applySuffix(field, suffix, fail) : field;
  }

  /**
   * The single-valued scalar field an orderBy name denotes (spec 01 §10.5, 02 §1.4), or undefined
   * when the name is not sortable.
   */
  resolveOrderField(name: string): ResolvedField | undefined {
    const field = this.lookup([name]);
    if (!field || field.valueType === 'inferred') return undefined;
    const sortable: FieldSource['kind'][] = ['name', 'sourceId', 'id', 'overlayLifecycle', 'timestamp', 'docValue'];
    return sortable.includes(field.source.kind) ? field : undefined;
  }

  /** A field named in the kind's search fields (a dot path), or undefined when it holds no text. */
  resolveSearchField(name: string): ResolvedField | undefined {
    const field = this.lookup(name.split('.'));
    return field && (field.valueType === 'string' || field.valueType === 'inferred') ? field : undefined;
  }

  /** Resolution for names the server chose (orderBy, search fields): not-filterable fields are allowed. */
  private lookup(names: string[]): ResolvedField | undefined {
    try {
      return this.resolveNames(names, (detail) => new FilterQueryError(1, detail), 'lookup');
    } catch (error) {
      if (error instanceof FilterQueryError) return undefined;
      throw error;
    }
  }

  /**
   * `filter`: a filterQuery path; `lookup`: a name the server chose, for which not-filterable fields
   * are allowed; `alias`: an alias target, which is a declared path and never another alias or a
   * custom property.
   */
  private resolveNames(
    names: string[],
    fail: (detail: string) => FilterQueryError,
    mode: 'filter' | 'lookup' | 'alias',
  ): ResolvedField {
    const framework = this.resolveFramework(names, fail);
    if (framework) return framework;
    const [head, ...rest] = names;
    if (mode === 'filter' && this.notFilterable.has(head)) throw fail(`field "${head}" is not filterable`);
    if (Object.hasOwn(this.properties, head)) {
      return resolveInSchema([head], describeSchema(this.properties[head]), rest, false, fail);
    }
    if (mode !== 'alias' && Object.hasOwn(this.aliases, head)) {
      const target = this.aliases[head].split('.');
      return { ...this.resolveNames([...target, ...rest], fail, 'alias'), display: names.join('.') };
    }
    if (mode === 'alias') return inferredField(names, { kind: 'docLax', path: names });
    return inferredField(names, { kind: 'docLax', path: ['customProperties', ...names] });
  }

  private resolveFramework(names: string[], fail: (detail: string) => FilterQueryError): ResolvedField | undefined {
    const [head, ...rest] = names;
    const scalar = (source: FieldSource, valueType: ScalarType): ResolvedField => {
      if (rest.length > 0) throw fail(`field "${head}" has no sub-field "${rest[0]}"`);
      return typedField(head, source, valueType);
    };
    switch (head) {
      case 'id':
        return scalar({ kind: 'id' }, 'number');
      case 'name':
        return scalar({ kind: 'name' }, 'string');
      case 'sourceId':
        return scalar({ kind: 'sourceId' }, 'string');
      case 'externalId':
        return scalar({ kind: 'docValue', path: ['externalId'] }, 'string');
      case 'lifecycle':
        return scalar({ kind: 'overlayLifecycle' }, 'string');
      case 'tags':
        return scalar({ kind: 'overlayTags' }, 'string');
      case 'createTimeSinceEpoch':
      case 'lastUpdateTimeSinceEpoch':
        return scalar(TIMESTAMPS[head], 'date');
      case 'annotations':
        if (rest.length === 0) throw fail('field "annotations" is not filterable');
        if (rest.length > 1) throw fail(`field "annotations.${rest[0]}" has no sub-field "${rest[1]}"`);
        return typedField(names.join('.'), { kind: 'annotation', key: rest[0] }, 'string');
      case 'governance':
        return governanceField(names, fail);
      case 'customProperties':
        if (rest.length === 0) throw fail('field "customProperties" is not filterable');
        return inferredField(names, { kind: 'docLax', path: names });
    }
    return undefined;
  }

  /** Whether the path names a property the schema declares (so a `*_value` last segment is a real name). */
  private isDeclaredPath(segments: PathSegment[]): boolean {
    const [head, ...rest] = segments.map((segment) => segment.name);
    if (!Object.hasOwn(this.properties, head)) return false;
    let info = describeSchema(this.properties[head]);
    for (const name of rest) {
      if (info.kind === 'array') info = info.items;
      if (info.kind !== 'object' || !Object.hasOwn(info.properties, name)) return false;
      info = describeSchema(info.properties[name]);
    }
    return true;
  }
}

function typedField(display: string, source: FieldSource, valueType: ScalarType): ResolvedField {
  return { display, source, valueType, metadata: 'none', numericStrings: false };
}

function inferredField(names: string[], source: FieldSource): ResolvedField {
  return { display: names.join('.'), source, valueType: 'inferred', metadata: 'auto', numericStrings: false };
}

function governanceField(names: string[], fail: (detail: string) => FilterQueryError): ResolvedField {
  const display = names.join('.');
  const below = names.slice(1).join('.');
  if (below === 'lifecycle.state') return typedField(display, { kind: 'governanceState' }, 'string');
  const string = Object.hasOwn(GOVERNANCE_STRINGS, below) ? GOVERNANCE_STRINGS[below] : undefined;
  if (string) return typedField(display, { kind: 'governanceString', ...string }, 'string');
  const array = Object.hasOwn(GOVERNANCE_ARRAYS, below) ? GOVERNANCE_ARRAYS[below] : undefined;
  if (array) return typedField(display, { kind: 'governanceArray', ...array }, 'string');
  throw fail(`field "${display}" is not filterable`);
}

/**
 * Walks the schema along `rest`. `crossedArray` records whether an array of objects was passed, which
 * makes the path existential.
 */
function resolveInSchema(
  path: string[],
  info: SchemaInfo,
  rest: string[],
  crossedArray: boolean,
  fail: (detail: string) => FilterQueryError,
): ResolvedField {
  const display = path.join('.');
  if (rest.length === 0) {
    switch (info.kind) {
      case 'scalar':
        return typedField(display, crossedArray ? { kind: 'docLax', path } : { kind: 'docValue', path }, info.type);
      case 'array':
        if (info.items.kind === 'scalar') {
          return typedField(display, crossedArray ? { kind: 'docLax', path } : { kind: 'docElements', path }, info.items.type);
        }
        if (info.items.kind === 'unknown') return inferredField(path, { kind: 'docLax', path });
        throw fail(`field "${display}" is not filterable`);
      case 'object':
        throw fail(`field "${display}" is not filterable`);
      case 'unknown':
        return inferredField(path, { kind: 'docLax', path });
    }
  }
  const [next, ...remaining] = rest;
  switch (info.kind) {
    case 'scalar':
      throw fail(`field "${display}" has no sub-field "${next}"`);
    case 'array':
      if (info.items.kind === 'scalar') throw fail(`field "${display}" has no sub-field "${next}"`);
      return resolveInSchema(path, info.items, rest, true, fail);
    case 'object': {
      const property = Object.hasOwn(info.properties, next) ? describeSchema(info.properties[next]) : UNKNOWN;
      return resolveInSchema([...path, next], property, remaining, crossedArray, fail);
    }
    case 'unknown':
      return inferredField([...path, ...rest], { kind: 'docLax', path: [...path, ...rest] });
  }
}

/** Applies a typed suffix (spec 01 §10.7.3): it must fit a declared type and forces an inferred one. */
function applySuffix(field: ResolvedField, suffix: TypeSuffix, fail: (detail: string) => FilterQueryError): ResolvedField {
  if (field.valueType === 'inferred') {
    const numeric = suffix === 'int_value' || suffix === 'double_value';
    const valueType: ScalarType = numeric ? 'number' : suffix === 'bool_value' ? 'boolean' : 'string';
    return { ...field, valueType, metadata: suffix, numericStrings: numeric };
  }
  const fits: Record<ScalarType, TypeSuffix[]> = {
    string: ['string_value'],
    number: ['int_value', 'double_value'],
    boolean: ['bool_value'],
    date: ['string_value', 'int_value', 'double_value'],
  };
  if (!fits[field.valueType].includes(suffix)) {
    throw fail(`type suffix "${suffix}" does not fit ${field.valueType} field "${field.display}"`);
  }
  return field;
}

/** Reads the JSON schema that TypeBox produces; anything it cannot type is `unknown` (typed by the literal). */
function describeSchema(schema: TSchema): SchemaInfo {
  const alternatives = (schema.anyOf ?? schema.oneOf) as TSchema[] | undefined;
  if (alternatives) {
    const infos = alternatives.filter((member) => member.type !== 'null').map(describeSchema);
    const [first] = infos;
    if (infos.length > 0 && infos.every((info) => sameShape(info, first))) return first;
    return UNKNOWN;
  }
  const type = Array.isArray(schema.type)
    ? (schema.type as string[]).filter((t) => t !== 'null')
    : [schema.type as string | undefined];
  if (type.length !== 1) return UNKNOWN;
  switch (type[0]) {
    case 'string':
      return { kind: 'scalar', type: schema.format === 'date-time' || schema.format === 'date' ? 'date' : 'string' };
    case 'integer':
    case 'number':
      return { kind: 'scalar', type: 'number' };
    case 'boolean':
      return { kind: 'scalar', type: 'boolean' };
    case 'array':
      return { kind: 'array', items: schema.items ? describeSchema(schema.items as TSchema) : UNKNOWN };
    case 'object':
      return { kind: 'object', properties: (schema.properties ?? {}) as Record<string, TSchema> };
  }
  return UNKNOWN;
}

function sameShape(a: SchemaInfo, b: SchemaInfo): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'scalar' && b.kind === 'scalar') return a.type === b.type;
  return a.kind !== 'array' && a.kind !== 'object';
}
