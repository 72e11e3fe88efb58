import type { ReferenceDecl } from '@catalog/framework';

/** One stored reference of an entity to another asset (spec 02 §2.6), before resolution. */
export interface EntityLink {
  kind: string;
  plugin: string;
  name: string;
  /** Concrete path of the occurrence, e.g. `tools[0].skillRef`. */
  field: string;
}

/**
 * Extracts the links of an entry at ingest: one per non-empty string occurrence, in the order of the
 * declared references, array elements in array order — except that references sharing one array
 * (`tools[].skillRef`, `tools[].mcpToolRef`) are taken together element by element, so links follow
 * the order of that array.
 */
export function extractLinks(references: readonly ReferenceDecl[] | undefined, doc: Record<string, unknown>): EntityLink[] {
  if (!references || references.length === 0) return [];
  const links: EntityLink[] = [];
  for (const group of groupByArray(references)) {
    if (group.array === null) {
      for (const reference of group.members) collect(doc, reference.field.split('.'), '', reference, links);
      continue;
    }
    const elements = valueAt(doc, group.array.split('.'));
    if (!Array.isArray(elements)) continue;
    elements.forEach((element, index) => {
      for (const reference of group.members) {
        const rest = reference.field.slice(group.array!.length + 3); // after `<array>[].`
        collect(element, rest.split('.'), `${group.array}[${index}]`, reference, links);
      }
    });
  }
  return links;
}

/** The reverse-lookup keys of a link set: `Kind:name`, one per distinct target. */
export function linkKeys(links: readonly EntityLink[]): string[] {
  return [...new Set(links.map((link) => `${link.kind}:${link.name}`))];
}

/** Consecutive references under the same leading array (`tools[]`) form one group. */
function groupByArray(references: readonly ReferenceDecl[]): { array: string | null; members: ReferenceDecl[] }[] {
  const groups: { array: string | null; members: ReferenceDecl[] }[] = [];
  for (const reference of references) {
    const marker = reference.field.indexOf('[].');
    const array = marker > 0 ? reference.field.slice(0, marker) : null;
    const last = groups.at(-1);
    if (array !== null && last?.array === array) last.members.push(reference);
    else groups.push({ array, members: [reference] });
  }
  return groups;
}

/** Walks `segments` (a segment ending in `[]` fans out over an array) and records string leaves. */
function collect(value: unknown, segments: string[], prefix: string, reference: ReferenceDecl, out: EntityLink[]): void {
  if (segments.length === 0) {
    if (typeof value === 'string' && value !== '') out.push({ kind: reference.kind, plugin: reference.plugin, name: value, field: prefix });
    return;
  }
  const [head, ...rest] = segments;
  const isArray = head.endsWith('[]');
  const key = isArray ? head.slice(0, -2) : head;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const child = (value as Record<string, unknown>)[key];
  const path = prefix ? `${prefix}.${key}` : key;
  if (!isArray) {
    collect(child, rest, path, reference, out);
    return;
  }
  if (Array.isArray(child)) child.forEach((element, i) => collect(element, rest, `${path}[${i}]`, reference, out));
}

function valueAt(value: unknown, segments: string[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
