import { open } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node, type YAMLMap } from 'yaml';
import { StartupError } from '../errors.js';

/**
 * The `sources.yaml` format (spec 01 §4): strict for the envelope, free inside `properties`,
 * `labels` items and `namedQueries`. Structural errors are fatal (01 §3.1 step 2); problems of one
 * source are collected on that source so that it can be reported in `error` state (04 §13.12).
 */

export const MAX_SOURCES_FILE_BYTES = 1024 * 1024;
/** 04 §15; also bounds alias expansion ("billion laughs"). */
const MAX_YAML_ALIASES = 100;

const SOURCE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
const MAX_SOURCE_ID_LENGTH = 63;
const MAX_SOURCE_NAME_LENGTH = 256;
/** Every provider type a plugin can support; which ones a given plugin supports is checked by its caller. */
const PROVIDER_TYPES = ['yaml', 'git', 'http', 'hf'];

const TOP_LEVEL_KEYS = new Set(['apiVersion', 'kind', 'catalogs']);
const SECTION_KEYS = new Set(['sources', 'labels', 'namedQueries']);
// `includedModels`/`excludedModels`: the model catalog's legacy names of the item patterns (spec 03 §4.4), merged into them.
const SOURCE_KEYS = new Set(['id', 'name', 'type', 'enabled', 'labels', 'properties', 'includedItems', 'excludedItems', 'includedModels', 'excludedModels']);

export interface SourcesDocument {
  apiVersion?: string;
  kind?: string;
  /** Config key (plugin name or configKey) → section. Keys of no registered plugin are kept. */
  catalogs: Record<string, CatalogSection>;
}

export interface CatalogSection {
  sources: SourceConfig[];
  /** Label definitions of the model plugin (03 §4.5): a unique `name` (string or null) plus string-valued keys. */
  labels: Record<string, string | null>[];
  /** Named queries of the model plugin (03 §4.5): name → field → condition. */
  namedQueries: Record<string, Record<string, NamedQueryCondition>>;
}

export interface NamedQueryCondition {
  operator: NamedQueryOperator;
  /** An array exactly for `IN` and `NOT IN`. */
  value: string | number | boolean | Array<string | number | boolean>;
}

const NAMED_QUERY_OPERATORS = ['=', '!=', '>', '<', '>=', '<=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'] as const;
export type NamedQueryOperator = (typeof NAMED_QUERY_OPERATORS)[number];
const CONDITION_KEYS = new Set(['operator', 'value']);

export interface SourceConfig {
  /** `''` when missing; `problems` then says so. */
  id: string;
  name: string;
  type: string;
  /** Absent or null in the file means enabled. */
  enabled: boolean;
  labels: string[];
  /** Provider-specific, validated per type (04 §6, §14); relative paths resolve with resolveSourcePath. */
  properties: Record<string, unknown>;
  includedItems: string[];
  excludedItems: string[];
  /** 1-based line of the source entry in the file. */
  line: number;
  /** Semantic problems (04 §6 layer 3 messages); non-empty means the source cannot be loaded. */
  problems: string[];
}

/** A structural error of a sources document, with its position when it has one. */
export class SourcesDocumentError extends StartupError {
  override readonly name = 'SourcesDocumentError';

  constructor(
    readonly filePath: string,
    readonly detail: string,
    readonly position?: { line: number; column: number },
  ) {
    super(
      position === undefined
        ? `${filePath}: ${detail}`
        : `${filePath}: line ${position.line}, column ${position.column}: ${detail}`,
    );
  }
}

/** `filePath` only labels error messages; relative source paths resolve against its directory. */
export function parseSourcesDocument(text: string, filePath: string): SourcesDocument {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_SOURCES_FILE_BYTES) throw tooLarge(filePath, size);

  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const locate: Locate = (target) => {
    const offset = typeof target === 'number' ? target : (target?.range?.[0] ?? 0);
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const at: PositionedError = (target, detail) => new SourcesDocumentError(filePath, detail, locate(target));

  if ('empty' in documents) {
    const [error] = documents.errors;
    if (error !== undefined) throw at(error.pos[0], `YAML syntax error: ${error.message}`);
    return { catalogs: {} };
  }
  if (documents.length > 1) {
    throw at(documents[1].range[0], `expected one YAML document, found ${documents.length}`);
  }
  const [document] = documents;
  const [error] = document.errors;
  if (error !== undefined) throw at(error.pos[0], `YAML syntax error: ${error.message}`);
  checkAliases(document, at);
  return new EnvelopeReader(document, locate, at).read();
}

/** The file's text; a file over 1 MiB is refused by its size, without being read. */
export async function readSourcesText(filePath: string): Promise<string> {
  let handle;
  try {
    handle = await open(filePath, 'r');
    const { size } = await handle.stat();
    if (size > MAX_SOURCES_FILE_BYTES) throw tooLarge(filePath, size);
    return await handle.readFile('utf8');
  } catch (error) {
    if (error instanceof SourcesDocumentError) throw error;
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SourcesDocumentError(filePath, `cannot read the file (${code})`);
  } finally {
    await handle?.close();
  }
}

export async function loadSourcesFile(filePath: string): Promise<SourcesDocument> {
  return parseSourcesDocument(await readSourcesText(filePath), filePath);
}

/** Relative `yamlCatalogPath`, `path` or file `repoUrl` values resolve against the sources file's directory. */
export function resolveSourcePath(baseDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(baseDir, path);
}

function tooLarge(filePath: string, size: number): SourcesDocumentError {
  return new SourcesDocumentError(filePath, `file is larger than 1 MiB (${size} bytes, maximum ${MAX_SOURCES_FILE_BYTES})`);
}

type Locate = (target: Node | number | undefined) => { line: number; column: number };
type PositionedError = (target: Node | number | undefined, detail: string) => SourcesDocumentError;

/** Counts alias nodes, then lets `yaml` measure expansion, so nested aliases cannot blow up memory. */
function checkAliases(document: Document, at: PositionedError): void {
  let count = 0;
  let firstAlias: Node | undefined;
  visit(document, {
    Alias(_key, node) {
      firstAlias ??= node;
      if (++count > MAX_YAML_ALIASES) throw at(node, `too many YAML aliases (maximum ${MAX_YAML_ALIASES})`);
    },
  });
  if (firstAlias === undefined) return;
  try {
    document.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    throw at(firstAlias, `YAML alias error: ${(error as Error).message}`);
  }
}

interface Entry {
  key: string;
  keyNode: Node;
  value: Node | null;
}

class EnvelopeReader {
  constructor(
    private readonly document: Document,
    private readonly locate: Locate,
    private readonly at: PositionedError,
  ) {}

  read(): SourcesDocument {
    const root = this.map(this.document.contents, 'the document');
    const result: SourcesDocument = { catalogs: {} };
    for (const { key, value } of this.entries(root, TOP_LEVEL_KEYS, 'the top level')) {
      if (key === 'apiVersion' || key === 'kind') {
        const text = this.string(value, key);
        if (text !== undefined) result[key] = text;
      } else {
        const catalogs = this.map(value, 'catalogs');
        for (const section of this.entries(catalogs, undefined, 'catalogs')) {
          result.catalogs[section.key] = this.section(section.value, `catalogs.${section.key}`);
        }
      }
    }
    return result;
  }

  private section(node: Node | null, path: string): CatalogSection {
    const section: CatalogSection = { sources: [], labels: [], namedQueries: {} };
    const fields = this.entries(this.map(node, path), SECTION_KEYS, path);
    for (const { key, value } of fields) {
      if (key === 'sources') {
        section.sources = this.sources(value, `${path}.sources`);
      } else if (key === 'labels') {
        section.labels = this.labels(value, `${path}.labels`);
      } else {
        section.namedQueries = this.namedQueries(value, `${path}.namedQueries`);
      }
    }
    return section;
  }

  private labels(node: Node | null, path: string): Record<string, string | null>[] {
    const names = new Set<string | null>();
    return this.list(node, path, 'a list of maps').map((item, index) => {
      if (item === null || !isMap(item)) throw this.at(item ?? node ?? undefined, `${path} must be a list of maps`);
      const label: Record<string, string | null> = {};
      for (const { key, keyNode, value } of this.entries(item, undefined, `${path}[${index}]`)) {
        if (key === 'name' && (value === null || isNull(value))) {
          label.name = null;
        } else if (value === null || !isScalar(value) || typeof value.value !== 'string') {
          throw this.at(value ?? keyNode, `${path}[${index}].${key} must be a string${key === 'name' ? ' or null' : ''}`);
        } else {
          label[key] = value.value;
        }
      }
      if (!('name' in label)) throw this.at(item, `${path}[${index}].name is required`);
      if (names.has(label.name)) throw this.at(item.get('name', true) as Node, `duplicate label name ${JSON.stringify(label.name)} in ${path}`);
      names.add(label.name);
      return label;
    });
  }

  private namedQueries(node: Node | null, path: string): Record<string, Record<string, NamedQueryCondition>> {
    const queries: Record<string, Record<string, NamedQueryCondition>> = {};
    for (const query of this.entries(this.map(node, path), undefined, path)) {
      const queryPath = `${path}.${query.key}`;
      const conditions: Record<string, NamedQueryCondition> = {};
      for (const field of this.entries(this.map(query.value, queryPath), undefined, queryPath)) {
        conditions[field.key] = this.condition(field.value ?? field.keyNode, `${queryPath}.${field.key}`);
      }
      queries[query.key] = conditions;
    }
    return queries;
  }

  private condition(node: Node, path: string): NamedQueryCondition {
    const map = this.map(node, path);
    if (map === undefined) throw this.at(node, `${path} must be a map with operator and value`);
    const fields = new Map(this.entries(map, CONDITION_KEYS, path).map((entry) => [entry.key, entry]));
    const operatorNode = fields.get('operator');
    const valueNode = fields.get('value');
    if (operatorNode === undefined || valueNode === undefined) throw this.at(map, `${path} must have operator and value`);
    const operator = this.string(operatorNode.value, `${path}.operator`);
    if (!NAMED_QUERY_OPERATORS.includes(operator as NamedQueryOperator)) {
      throw this.at(operatorNode.value ?? operatorNode.keyNode, `${path}.operator must be one of ${NAMED_QUERY_OPERATORS.join(', ')}`);
    }
    const listOperator = operator === 'IN' || operator === 'NOT IN';
    const target = valueNode.value ?? valueNode.keyNode;
    if (listOperator) {
      if (!isSeq(target) || target.items.length === 0) throw this.at(target, `${path}.value must be a non-empty list for operator ${operator}`);
      return { operator: operator as NamedQueryOperator, value: target.items.map((item) => this.literal(this.deref(item as Node) ?? target, `${path}.value`)) };
    }
    return { operator: operator as NamedQueryOperator, value: this.literal(target, `${path}.value`) };
  }

  /** A string, number or boolean: what a filter literal can be. */
  private literal(node: Node, path: string): string | number | boolean {
    if (isScalar(node) && ['string', 'number', 'boolean'].includes(typeof node.value)) return node.value as string | number | boolean;
    throw this.at(node, `${path} must be a string, number or boolean`);
  }

  private sources(node: Node | null, path: string): SourceConfig[] {
    const firstLineById = new Map<string, number>();
    return this.list(node, path, 'a list of sources').map((item, index) => {
      const source = this.source(item, `${path}[${index}]`, node);
      if (source.id !== '') {
        const firstLine = firstLineById.get(source.id);
        if (firstLine !== undefined) {
          const idNode = (item as YAMLMap).get('id', true) as Node | undefined;
          throw this.at(idNode, `duplicate source id "${source.id}" in ${path} (first defined at line ${firstLine})`);
        }
        firstLineById.set(source.id, source.line);
      }
      return source;
    });
  }

  private source(node: Node | null, path: string, list: Node | null): SourceConfig {
    const map = this.map(node, path);
    if (map === undefined) throw this.at(node ?? list ?? undefined, `${path} must be a map`);
    const source: SourceConfig = {
      id: '',
      name: '',
      type: '',
      enabled: true,
      labels: [],
      properties: {},
      includedItems: [],
      excludedItems: [],
      line: this.locate(map).line,
      problems: [],
    };
    for (const { key, value } of this.entries(map, SOURCE_KEYS, path)) {
      const fieldPath = `${path}.${key}`;
      switch (key) {
        case 'id':
        case 'name':
        case 'type':
          source[key] = this.string(value, fieldPath) ?? '';
          break;
        case 'enabled':
          source.enabled = this.boolean(value, fieldPath) ?? true;
          break;
        case 'labels':
          source.labels = this.stringList(value, fieldPath);
          break;
        case 'includedItems':
        case 'excludedItems':
          source[key].push(...this.stringList(value, fieldPath));
          break;
        case 'includedModels':
        case 'excludedModels':
          source[key === 'includedModels' ? 'includedItems' : 'excludedItems'].push(...this.stringList(value, fieldPath));
          break;
        case 'properties':
          source.properties = this.plain(this.map(value, fieldPath)) as Record<string, unknown>;
          break;
      }
    }
    // The legacy `properties.excludedModels` list (spec 03 §4.4).
    const legacyExcluded = source.properties.excludedModels;
    if (Array.isArray(legacyExcluded)) source.excludedItems.push(...legacyExcluded.filter((p): p is string => typeof p === 'string'));
    source.problems = sourceProblems(source);
    return source;
  }

  /** Pairs of a map, checked against `allowed` (all keys allowed when undefined). */
  private entries(map: YAMLMap | undefined, allowed: ReadonlySet<string> | undefined, where: string): Entry[] {
    if (map === undefined) return [];
    return map.items.map((pair) => {
      const keyNode = pair.key as Node | null;
      if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
        throw this.at(keyNode ?? map, `keys in ${where} must be strings`);
      }
      const key = String(keyNode.value);
      if (allowed !== undefined && !allowed.has(key)) throw this.at(keyNode, `unknown key "${key}" in ${where}`);
      return { key, keyNode, value: this.deref(pair.value as Node | null) };
    });
  }

  /** A map, or `undefined` for an absent/null value (an empty optional field in YAML). */
  private map(node: Node | null | undefined, path: string): YAMLMap | undefined {
    const target = this.deref(node ?? null);
    if (target === null || isNull(target)) return undefined;
    if (!isMap(target)) throw this.at(target, `${path} must be a map`);
    return target;
  }

  private list(node: Node | null, path: string, expected: string): Array<Node | null> {
    if (node === null || isNull(node)) return [];
    if (!isSeq(node)) throw this.at(node, `${path} must be ${expected}`);
    return node.items.map((item) => this.deref(item as Node | null));
  }

  private string(node: Node | null, path: string): string | undefined {
    if (node === null || isNull(node)) return undefined;
    if (!isScalar(node) || typeof node.value !== 'string') throw this.at(node, `${path} must be a string`);
    return node.value;
  }

  private boolean(node: Node | null, path: string): boolean | undefined {
    if (node === null || isNull(node)) return undefined;
    if (!isScalar(node) || typeof node.value !== 'boolean') throw this.at(node, `${path} must be a boolean`);
    return node.value;
  }

  private stringList(node: Node | null, path: string): string[] {
    return this.list(node, path, 'a list of strings').map((item) => {
      if (!isScalar(item) || typeof item.value !== 'string') throw this.at(item ?? node ?? undefined, `${path} must be a list of strings`);
      return item.value;
    });
  }

  private plain(node: Node | undefined): unknown {
    return node === undefined ? {} : node.toJS(this.document, { maxAliasCount: MAX_YAML_ALIASES });
  }

  private deref(node: Node | null): Node | null {
    return isAlias(node) ? ((node.resolve(this.document) as Node | undefined) ?? null) : node;
  }
}

function isNull(node: Node): boolean {
  return isScalar(node) && node.value === null;
}

/** Layer 3 (semantic) checks of 04 §6 that need no plugin knowledge, with their exact messages and fields. */
export function sourceFieldProblems(source: Pick<SourceConfig, 'id' | 'name' | 'type' | 'labels' | 'includedItems' | 'excludedItems'>): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  if (source.id === '') {
    problems.push({ field: 'id', message: 'source ID is required' });
  } else {
    if (!SOURCE_ID_PATTERN.test(source.id)) {
      problems.push({
        field: 'id',
        message: 'source ID must contain only lowercase alphanumeric characters, hyphens, and underscores, and must start with a letter or digit',
      });
    }
    if (source.id.length > MAX_SOURCE_ID_LENGTH) problems.push({ field: 'id', message: 'source ID must be 63 characters or fewer' });
  }
  if (source.name === '') problems.push({ field: 'name', message: 'source name is required' });
  else if ([...source.name].length > MAX_SOURCE_NAME_LENGTH) problems.push({ field: 'name', message: 'source name must be 256 characters or fewer' });
  if (source.type === '') problems.push({ field: 'type', message: 'source type is required' });
  for (const field of ['includedItems', 'excludedItems'] as const) {
    source[field].forEach((pattern, index) => {
      if (pattern === '') problems.push({ field: `${field}[${index}]`, message: `${field}[${index}] must not be empty` });
    });
  }
  source.labels.forEach((label, index) => {
    if (label === '') problems.push({ field: `labels[${index}]`, message: 'label must not be empty' });
  });
  return problems;
}

function sourceProblems(source: SourceConfig): string[] {
  const problems = sourceFieldProblems(source).map((p) => p.message);
  if (source.type !== '' && !PROVIDER_TYPES.includes(source.type)) {
    problems.push(`unsupported source type "${source.type}"; supported types: ${PROVIDER_TYPES.join(', ')}`);
  }
  return [...new Set(problems)];
}
