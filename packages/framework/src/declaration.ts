import type { TObject, TSchema } from '@sinclair/typebox';

/** Column types of capabilities `fields.columns` / `detailFields` (spec 01 §8.3). */
export type FieldValueType = 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object' | 'date';

/** The 11 display types of spec 01 §8.4. */
export const DISPLAY_TYPES = [
  'text', 'markdown', 'badge', 'tags', 'link', 'repoRef', 'imageRef', 'dateTime', 'code', 'json', 'secretRef',
] as const;
export type DisplayType = (typeof DISPLAY_TYPES)[number];

export interface ColumnHint {
  name: string;
  displayName: string;
  /** Dot path into the served entity JSON. */
  path: string;
  type: FieldValueType;
  sortable?: boolean;
  width?: 'sm' | 'md' | 'lg';
}

export type FilterFieldType = 'text' | 'select' | 'multiselect' | 'boolean' | 'number';

/** A declared filter field; the framework generates `operators` (spec 02 §1.3) and fills select options from the schema enum. */
export interface FilterFieldDecl {
  name: string;
  displayName: string;
  type: FilterFieldType;
  options?: string[];
}

export interface DetailField {
  name: string;
  displayName: string;
  path: string;
  type: FieldValueType;
  section?: string;
}

export interface EntityUIHints {
  icon?: string;
  color?: string;
  nameField?: string;
  detailSections?: string[];
  listView?: {
    titleField?: string;
    columns?: { field: string; label: string; display?: DisplayType; width?: 'sm' | 'md' | 'lg' }[];
    defaultSort?: { field: string; direction: 'asc' | 'desc' };
    defaultFilters?: { filterQuery: string }[];
  };
  detailView?: {
    sections?: { title: string; fields?: { field: string; label?: string; display?: DisplayType }[]; panels?: string[] }[];
  };
  search?: { searchableFields?: string[]; facets?: { field: string; display?: DisplayType }[] };
  actionHints?: { primary?: string[]; secondary?: string[]; confirmations?: { action: string; prompt: string }[] };
}

/** A cross-asset reference field (spec 02 §2.6); `field` uses `[]` for array elements, e.g. `tools[].skillRef`. */
export interface ReferenceDecl {
  field: string;
  plugin: string;
  kind: string;
}

/** One entry as parsed from a source document, before validation. */
export type RawEntry = Record<string, unknown>;

export interface IngestHooks {
  /**
   * Post-validation transform and cross-field checks a schema cannot express.
   * Return the (possibly transformed) entry, or throw `EntryRejection` to reject it.
   */
  normalize?: (entry: RawEntry) => RawEntry;
}

/** Thrown by ingest hooks to reject one entry with a message and an optional path inside the entry. */
export class EntryRejection extends Error {
  constructor(message: string, readonly path?: string) {
    super(message);
    this.name = 'EntryRejection';
  }
}

export interface KindDeclaration {
  /** PascalCase, unique within the plugin. */
  kind: string;
  /** URL segment of list/get routes, `^[a-z]+$`, never `management`. */
  plural: string;
  /** Top-level key of source documents; defaults to `plural`. */
  yamlKey?: string;
  displayName: string;
  description: string;
  /** Lower-case phrase used in 404 messages, e.g. `mcp server`. */
  notFoundPhrase: string;
  /** Closed TypeBox object schema of one source entry. */
  schema: TObject;
  fields: { columns: ColumnHint[]; filterFields: FilterFieldDecl[]; detailFields: DetailField[] };
  /** Extra filter/sort names mapped to JSON dot paths (e.g. `riskLevel` → `safety.riskLevel`). */
  aliases?: Record<string, string>;
  /** Fields searched by `q`; default `[name, description]`. */
  searchFields?: string[];
  /** Fields that may not be used in filterQuery (large texts). */
  notFilterable?: string[];
  references?: ReferenceDecl[];
  uiHints: EntityUIHints;
  cliDefaultColumns: string[];
  ingest?: IngestHooks;
  /**
   * A field of the validated entry that holds child records (the model plugin's `artifacts`). The
   * framework stores its items as child rows of the entity, in the same refresh transaction, and
   * serves the entity without it.
   */
  children?: ChildCollectionDecl;
  /**
   * The single-entity endpoint advertised in capabilities, relative to the plugin base path, when a
   * plugin keeps a legacy form (the model catalog's `/sources/{source_id}/models/{name}`); default `/{plural}/{name}`.
   */
  getPath?: string;
}

export interface ChildCollectionDecl {
  /** Top-level array field of the entry. */
  field: string;
  /**
   * Member whose string value identifies an item across refreshes (its row id is kept); items
   * without it are identified by their position in the list.
   */
  identityField?: string;
}

export interface ActionParameter {
  name: string;
  type: 'string' | 'boolean' | 'number' | 'tags' | 'key-value';
  label: string;
  required?: boolean;
  description?: string;
  defaultValue?: unknown;
}

export interface ActionContext {
  namespace: string;
  plugin: string;
  kind: string;
  /** Entity name for asset scope, source id for source scope. */
  target: string;
  entity?: Record<string, unknown>;
  dryRun: boolean;
}

export interface ActionResult {
  status: string;
  message?: string;
  data?: unknown;
}

export interface ActionDeclaration {
  id: string;
  displayName: string;
  description: string;
  scope: 'asset' | 'source';
  supportsDryRun: boolean;
  idempotent: boolean;
  destructive?: boolean;
  parameters?: ActionParameter[];
  params: TSchema;
  handler: (ctx: ActionContext, params: unknown) => Promise<ActionResult>;
}

export interface RouteContext {
  namespace: string;
  identity: { user: string; groups: string[] };
}

export interface RouteDeclaration {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Relative to the plugin base path, Fastify syntax (`/models/filter_options`). */
  url: string;
  schema: { params?: TSchema; querystring?: TSchema; body?: TSchema; response?: Record<number, TSchema> };
  /** Checked before validation: one of the resources and verbs of spec 05 §3.1 (`assets`/`get`). */
  authz: { resource: string; verb: string };
  /**
   * Required on POST, PUT, PATCH and DELETE routes: the `action` of the request's one audit event
   * (spec 05 §4.3), e.g. `recompute-scores`.
   */
  auditAction?: string;
  /** Errors with a 4xx `statusCode` keep their status and message; anything else answers 500. */
  handler: (ctx: RouteContext, request: { params: unknown; query: unknown; body: unknown }) => Promise<unknown>;
}

export interface PluginContext {
  /** Structured logger scoped to the plugin. */
  log: { info: (obj: object | string, msg?: string) => void; warn: (obj: object | string, msg?: string) => void; error: (obj: object | string, msg?: string) => void };
}

export interface PluginDeclaration {
  /** `^[a-z][a-z0-9]{1,30}$`, unique. */
  name: string;
  /** API version segment, `v1alpha1`. */
  version: string;
  displayName: string;
  description: string;
  icon: string;
  /** Key under `catalogs:` in sources.yaml; defaults to `name`. */
  configKey?: string;
  entities: KindDeclaration[];
  sourceTypes: string[];
  actions?: ActionDeclaration[];
  routes?: RouteDeclaration[];
  /** Folder of the plugin's bundled sample data (an allowed data root). */
  dataDir?: string;
  init?: (ctx: PluginContext) => Promise<void>;
  health?: () => Promise<boolean>;
  stop?: () => Promise<void>;
}

/** Identity function that gives plugin authors type checking; all validation happens at registration. */
export function definePlugin(declaration: PluginDeclaration): PluginDeclaration {
  return declaration;
}

export type { TSchema };
