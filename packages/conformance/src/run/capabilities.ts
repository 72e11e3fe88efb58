// The parts of a V2 capabilities document (spec 01 §6) the harness reads; everything is optional
// because the checks must report a malformed document, not crash on it.

export interface ColumnDoc {
  name?: string;
  displayName?: string;
  path?: string;
  type?: string;
  sortable?: boolean;
}

export interface FilterFieldDoc {
  name?: string;
  type?: string;
  options?: unknown[];
}

export interface EntityDoc {
  kind?: string;
  plural?: string;
  displayName?: string;
  endpoints?: { list?: string; get?: string; action?: string };
  fields?: { columns?: ColumnDoc[]; filterFields?: FilterFieldDoc[]; detailFields?: { name?: string; path?: string }[] };
  references?: { plugin?: string; kind?: string; [key: string]: unknown }[];
  actions?: string[];
  uiHints?: Record<string, unknown>;
  governance?: { supported?: boolean; lifecycle?: { states?: string[]; defaultState?: string; transitions?: { from?: string; to?: string }[] } };
}

export interface ActionDoc {
  id?: string;
  displayName?: string;
  description?: string;
  scope?: string;
  parameters?: { name?: string; type?: string }[];
}

export interface CapabilitiesDoc {
  schemaVersion?: string;
  plugin?: { name?: string; version?: string; description?: string };
  entities?: EntityDoc[];
  sources?: { manageable?: boolean; refreshable?: boolean; types?: string[] };
  actions?: ActionDoc[];
}

export function entitiesOf(doc: CapabilitiesDoc | null): EntityDoc[] {
  return Array.isArray(doc?.entities) ? doc.entities.filter((e) => typeof e === 'object' && e !== null) : [];
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
