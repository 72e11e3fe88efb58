import { isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';
import type { PathSegment } from './entryPath.js';

/** Which part of a mapping pair a location points at. */
export type LocateTarget = 'value' | 'key';

/**
 * Source offset of the node at `path` below `root`. A path that leaves the document (a missing field,
 * an index past the end) or enters an alias stops at the deepest node that exists, so an error about
 * a missing field points at the mapping that lacks it. With `target: 'key'` the last step points at the
 * mapping key, which is where an unknown field is written. An empty value (`field:` with nothing after
 * it) has no text of its own, so its key stands in for it.
 */
export function locateOffset(root: Node, path: readonly PathSegment[], target: LocateTarget = 'value'): number {
  let node: Node = root;
  for (let step = 0; step < path.length; step++) {
    const segment = path[step];
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) break;
      const key = pair.key as Node;
      const value = pair.value as Node | null;
      const isLast = step === path.length - 1;
      if ((isLast && target === 'key') || !value || isEmptyScalar(value)) return startOf(key);
      node = value;
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment] as Node;
    } else {
      break;
    }
    if (isAlias(node)) break;
  }
  return startOf(node);
}

function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.range !== undefined && node.range !== null && node.range[0] === node.range[1];
}

function startOf(node: Node): number {
  return node.range?.[0] ?? 0;
}
