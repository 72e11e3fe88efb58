import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, type Document, type Node } from 'yaml';
import type { PathSegment } from './entryPath.js';
import { locateOffset, type LocateTarget } from './locateNode.js';
import { findExcessiveNesting } from './nestingGuard.js';
import { parseYamlSubset, type SubsetEntry } from './yamlSubset.js';

/** Per-document limits of spec 02 §2.4. */
export const MAX_ALIASES = 100;
export const MAX_DEPTH = 64;
/**
 * The alias limit counts alias nodes, yet 100 aliases nested in anchored nodes can still expand
 * exponentially (a "billion laughs" document). The library's own guard bounds that expansion; it weighs
 * each anchor's uses by the aliases inside it, so it needs headroom above the plain alias count.
 */
const MAX_ALIAS_EXPANSION = 1000;
const NESTING_MESSAGE = `document nesting depth exceeds ${MAX_DEPTH}`;

/** A 1-based line and column in the source document. */
export interface SourcePosition {
  line: number;
  column: number;
}

/** One element of the document's entry list, not yet validated. */
export interface ParsedEntry {
  /** Position in the entry list, 0-based. */
  index: number;
  /** The entry as plain JSON-compatible data, owned by this entry alone (aliases are copied). */
  value: unknown;
  /** Where the entry's node starts. */
  line: number;
  column: number;
  /**
   * Where the node at `path` inside the entry starts, e.g. `['tools', 2, 'skillRef']`; a path that does
   * not exist resolves to its deepest existing ancestor. `'key'` points at the mapping key of the last
   * step instead of its value.
   */
  locate(path: readonly PathSegment[], target?: LocateTarget): SourcePosition;
}

/** A failure of the document as a whole (spec 02 §2.4): none of its entries can be used. */
export interface DocumentError {
  file: string;
  /** The reason alone; the position, when there is one, is in `line`/`column`. */
  message: string;
  line?: number;
  column?: number;
  /** The document is a mapping without `yamlKey`, which multi-file (git) sources skip rather than report. */
  missingKey?: true;
}

export type ParseResult = { ok: true; entries: ParsedEntry[] } | { ok: false; error: DocumentError };

export interface ParseOptions {
  /** How error items name the document (configured path, repository path, URL or `<inline>`). */
  file: string;
  maxBytes: number;
  /** Top-level key holding the entry list. */
  yamlKey: string;
}

/**
 * Reads a source document: one YAML 1.2 (or JSON) document whose top-level mapping holds the entry
 * list under `yamlKey`. Other top-level keys are ignored.
 */
export function parseSourceDocument(text: string, options: ParseOptions): ParseResult {
  if (Buffer.byteLength(text, 'utf8') > options.maxBytes) {
    return failure(options, `document exceeds maximum size of ${options.maxBytes} bytes`);
  }
  const subset = parseYamlSubset(text, options.yamlKey, MAX_DEPTH);
  if (subset === undefined) return parseWithLibrary(text, options);
  if ('missingKey' in subset) return missingKey(options);
  return { ok: true, entries: subsetEntries(text, subset.entries) };
}

function failure(options: ParseOptions, message: string, position?: SourcePosition): ParseResult {
  return { ok: false, error: { file: options.file, message, ...position } };
}

function missingKey(options: ParseOptions): ParseResult {
  return { ok: false, error: { file: options.file, message: `missing top-level key "${options.yamlKey}"`, missingKey: true } };
}

/**
 * Entries read by the fast subset reader carry no syntax tree. Positions inside them are needed only
 * for the few entries that get rejected, so each such entry's own lines are parsed with the library
 * on demand.
 */
function subsetEntries(text: string, entries: readonly SubsetEntry[]): ParsedEntry[] {
  let lines: string[] | undefined;
  return entries.map((entry, index) => {
    let tree: EntryTree | undefined;
    return {
      index,
      value: entry.value,
      line: entry.line,
      column: entry.column,
      locate(path, target) {
        lines ??= text.split('\n');
        tree ??= parseEntryLines(lines.slice(entry.firstLine - 1, entry.lastLine).join('\n'));
        if (!tree.node) return { line: entry.line, column: entry.column };
        const { line, col } = tree.counter.linePos(locateOffset(tree.node, path, target));
        return { line: line + entry.firstLine - 1, column: col };
      },
    };
  });
}

interface EntryTree {
  node?: Node;
  counter: LineCounter;
}

/** The lines of one entry form a one-item block sequence; keeping their indentation keeps columns right. */
function parseEntryLines(text: string): EntryTree {
  const counter = new LineCounter();
  const document = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const item: unknown = isSeq(document.contents) ? document.contents.items[0] : undefined;
  return { node: item !== undefined && item !== null && !isPair(item) ? (item as Node) : undefined, counter };
}

function parseWithLibrary(text: string, options: ParseOptions): ParseResult {
  const tooDeep = findExcessiveNesting(text, MAX_DEPTH);
  if (tooDeep) return failure(options, NESTING_MESSAGE, tooDeep);
  const counter = new LineCounter();
  const position = (offset: number): SourcePosition => {
    const { line, col } = counter.linePos(offset);
    return { line, column: col };
  };
  const documents = parseAllDocuments(text, { lineCounter: counter, prettyErrors: false });
  for (const document of documents) {
    const error = document.errors[0];
    if (error) {
      const at = position(error.pos[0]);
      return failure(options, `YAML parse error: ${error.message}`, at);
    }
  }
  if (documents.length > 1) return failure(options, 'document contains more than one YAML document', position(documents[1].range[0]));
  const document = documents[0] as Document.Parsed | undefined;
  const root = document?.contents;
  if (!document || !root || (isScalar(root) && root.value === null)) return failure(options, 'document is empty');

  const tree = inspectTree(root);
  if (tree.violation) return failure(options, tree.violation.message, position(tree.violation.offset));
  if (!isMap(root)) return failure(options, 'document is not a mapping', position(startOf(root)));

  const pair = root.items.find((item) => isScalar(item.key) && item.key.value === options.yamlKey);
  if (!pair) return missingKey(options);
  const list = pair.value as Node | null;
  if (!isSeq(list)) {
    const at = list && !(isScalar(list) && list.value === null) ? list : (pair.key as Node);
    return failure(options, `top-level key "${options.yamlKey}" must hold a sequence`, position(startOf(at)));
  }

  let values: unknown[];
  try {
    values = list.toJS(document, { maxAliasCount: MAX_ALIAS_EXPANSION }) as unknown[];
  } catch (error) {
    // Unresolvable aliases and alias expansion beyond the limit surface here.
    return failure(options, `YAML parse error: ${error instanceof Error ? error.message : String(error)}`);
  }
  // An aliased node becomes one shared object in every place that refers to it; copies keep a
  // normalize hook that edits one entry from changing another.
  const copy = tree.aliases === 0 ? (value: unknown) => value : (value: unknown) => structuredClone(value);
  const entries = list.items.map((item, index): ParsedEntry => {
    const node = item as Node;
    return {
      index,
      value: copy(values[index]),
      ...position(startOf(node)),
      locate: (path, target) => position(locateOffset(node, path, target)),
    };
  });
  return { ok: true, entries };
}

interface LimitViolation {
  message: string;
  offset: number;
}

/** Counts aliases and enforces the depth and alias limits on the syntax tree, before any alias is expanded. */
function inspectTree(root: Node): { aliases: number; violation?: LimitViolation } {
  let aliases = 0;
  const visit = (node: unknown, depth: number): LimitViolation | undefined => {
    if (isAlias(node)) {
      aliases++;
      return aliases > MAX_ALIASES ? { message: `document has more than ${MAX_ALIASES} YAML aliases`, offset: startOf(node) } : undefined;
    }
    if (isPair(node)) return visit(node.key, depth) ?? visit(node.value, depth);
    if (!isCollection(node)) return undefined;
    if (depth > MAX_DEPTH) return { message: NESTING_MESSAGE, offset: startOf(node as Node) };
    for (const item of node.items) {
      const violation = visit(item, depth + 1);
      if (violation) return violation;
    }
    return undefined;
  };
  const violation = visit(root, 1);
  return { aliases, violation };
}

function startOf(node: Node): number {
  return node.range?.[0] ?? 0;
}
