import type { TObject } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { EntryRejection, type KindDeclaration, type RawEntry } from '@catalog/framework';
import { formatPath, pointerSegments, rejectionPathSegments, typedSegments, type PathSegment } from './entryPath.js';
import { nameProblem } from './entryName.js';
import { compileNameFilter } from './globs.js';
import type { LocateTarget } from './locateNode.js';
import type { ParsedEntry } from './parseDocument.js';
import { describeSchemaError } from './schemaErrors.js';

/** At most this many error items are kept; `rejectedCount` stays exact (spec 02 §2.4). */
export const MAX_INGEST_ERRORS = 100;

/**
 * Output-only names (spec 02 §2.3, the framework fields of 01 §10.2) plus the model plugin's legacy
 * `source_id`. Documents exported from the API contain them, so they are dropped without complaint.
 */
export const RESERVED_FIELDS: ReadonlySet<string> = new Set([
  'id', 'sourceId', 'tags', 'annotations', 'lifecycle', 'governance', 'links', 'provenance', 'source_id',
]);

/** Sources may give these as integers; they are stored as strings of digits. */
const EPOCH_FIELDS = ['createTimeSinceEpoch', 'lastUpdateTimeSinceEpoch'] as const;

/** One rejected entry, as carried by a source's status and refresh result. */
export interface IngestError {
  file: string;
  /** Absent for entries a remote catalog (hf) could not fetch: they have no place in a document. */
  line?: number;
  column?: number;
  /** Location inside the document, e.g. `agents[3].agentType`. */
  path: string;
  /** The entry's `name`, when it has a string one. */
  name?: string;
  message: string;
}

export interface AcceptedEntry {
  name: string;
  /** The validated and normalized entry, without reserved fields. */
  doc: RawEntry;
  /** Line where the entry starts. */
  line: number;
}

export interface ValidationResult {
  accepted: AcceptedEntry[];
  rejectedCount: number;
  ingestErrors: IngestError[];
  /** Valid entries skipped by the include/exclude globs (not rejections). */
  excludedCount: number;
}

/** Where a name was first accepted, for duplicate messages. */
export interface FirstDefinition {
  file: string;
  line: number;
}

export interface ValidateOptions {
  file: string;
  yamlKey: string;
  includedItems: readonly string[];
  excludedItems: readonly string[];
  /**
   * Names seen in earlier documents of the same source, for multi-file (git) sources whose files merge
   * into one entry set; updated in place. Without it duplicates are detected within this document only.
   */
  seenNames?: Map<string, FirstDefinition>;
}

interface EntryProblem {
  message: string;
  /** Location inside the entry. */
  segments: PathSegment[];
  target: LocateTarget;
}

const validators = new WeakMap<TObject, TypeCheck<TObject>>();

/** Compiling costs far more than checking, so each kind's schema is compiled once per process. */
function validatorFor(schema: TObject): TypeCheck<TObject> {
  let validator = validators.get(schema);
  if (!validator) {
    validator = TypeCompiler.Compile(schema);
    validators.set(schema, validator);
  }
  return validator;
}

/**
 * Runs the per-entry pipeline of spec 02 §2.4 in its defined order: reserved fields dropped, schema,
 * epoch normalization, the kind's `normalize` hook, name rules, duplicates (first wins), then the
 * include/exclude globs, whose misses are skipped rather than rejected.
 */
export function validateEntries(kind: KindDeclaration, entries: readonly ParsedEntry[], options: ValidateOptions): ValidationResult {
  const validator = validatorFor(kind.schema);
  const keep = compileNameFilter(options.includedItems, options.excludedItems);
  const seen = options.seenNames ?? new Map<string, FirstDefinition>();
  const result: ValidationResult = { accepted: [], rejectedCount: 0, ingestErrors: [], excludedCount: 0 };

  const reject = (entry: ParsedEntry, problem: EntryProblem): void => {
    result.rejectedCount++;
    // Locating a node can mean parsing the entry's text again; only kept items pay for it.
    if (result.ingestErrors.length >= MAX_INGEST_ERRORS) return;
    const { line, column } = entry.locate(problem.segments, problem.target);
    const name = stringName(entry.value);
    result.ingestErrors.push({
      file: options.file,
      line,
      column,
      path: formatPath([options.yamlKey, entry.index, ...problem.segments]),
      ...(name === undefined ? {} : { name }),
      message: problem.message,
    });
  };

  for (const entry of entries) {
    const checked = checkEntry(kind, validator, entry.value);
    if ('problem' in checked) {
      reject(entry, checked.problem);
      continue;
    }
    const { name, doc } = checked;
    const first = seen.get(name);
    if (first) {
      const where = first.file === options.file ? `line ${first.line}` : `${first.file} at line ${first.line}`;
      reject(entry, { message: `duplicate name "${name}" (first defined at ${where})`, segments: [], target: 'value' });
      continue;
    }
    seen.set(name, { file: options.file, line: entry.line });
    if (!keep(name)) {
      result.excludedCount++;
      continue;
    }
    result.accepted.push({ name, doc, line: entry.line });
  }
  return result;
}

function checkEntry(kind: KindDeclaration, validator: TypeCheck<TObject>, value: unknown): { name: string; doc: RawEntry } | { problem: EntryProblem } {
  const entry = withoutReservedFields(value);
  if (!validator.Check(entry)) return { problem: schemaProblem(validator, entry) };
  const epochProblem = normalizeEpochFields(entry as RawEntry);
  if (epochProblem) return { problem: epochProblem };

  let doc = entry as RawEntry;
  if (kind.ingest?.normalize) {
    try {
      doc = kind.ingest.normalize(doc);
    } catch (error) {
      return { problem: hookProblem(error, doc) };
    }
  }
  const problem = nameProblem(doc.name);
  if (problem !== undefined) return { problem: { message: problem, segments: ['name'], target: 'value' } };
  return { name: doc.name as string, doc };
}

/** A fresh top-level object, so later steps never modify the parsed value. */
function withoutReservedFields(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  // Spreading and Object.fromEntries define own properties: a "__proto__" key stays a field (and fails as unknown).
  for (const field of RESERVED_FIELDS) {
    if (Object.hasOwn(value, field)) return Object.fromEntries(Object.entries(value).filter(([key]) => !RESERVED_FIELDS.has(key)));
  }
  return { ...value };
}

function schemaProblem(validator: TypeCheck<TObject>, entry: unknown): EntryProblem {
  const error = validator.Errors(entry).First();
  if (!error) return { message: 'does not match the schema', segments: [], target: 'value' };
  const { message, pointer, target } = describeSchemaError(error);
  return { message, segments: typedSegments(entry, pointerSegments(pointer)), target };
}

function normalizeEpochFields(entry: RawEntry): EntryProblem | undefined {
  for (const field of EPOCH_FIELDS) {
    const value = entry[field];
    if (typeof value !== 'number') continue;
    // Beyond this, String() would round or switch to exponent notation.
    if (!Number.isSafeInteger(value)) return { message: `must be at most ${Number.MAX_SAFE_INTEGER}`, segments: [field], target: 'value' };
    entry[field] = String(value);
  }
  return undefined;
}

function hookProblem(error: unknown, entry: RawEntry): EntryProblem {
  if (error instanceof EntryRejection) {
    const segments = error.path ? typedSegments(entry, rejectionPathSegments(error.path)) : [];
    return { message: error.message, segments, target: 'value' };
  }
  return { message: error instanceof Error ? error.message : String(error), segments: [], target: 'value' };
}

function stringName(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || !Object.hasOwn(value, 'name')) return undefined;
  const name = (value as { name: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}
