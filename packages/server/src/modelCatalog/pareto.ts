/**
 * Sizing and Pareto recommendations of performance artifacts (spec 03 §8.2–8.3), on values already
 * read from the artifacts' custom properties.
 */

const MAX_REPLICAS = 2147483647;

/** The four property names a performance request reads (spec 03 §8.1). */
export interface PerformanceProperties {
  rpsProperty: string;
  latencyProperty: string;
  hardwareCountProperty: string;
  hardwareTypeProperty: string;
}

export const DEFAULT_PERFORMANCE_PROPERTIES: PerformanceProperties = {
  rpsProperty: 'requests_per_second',
  latencyProperty: 'ttft_p90',
  hardwareCountProperty: 'hardware_count',
  hardwareTypeProperty: 'hardware_type',
};

/** One performance artifact as the procedure sees it. */
export interface PerformancePoint {
  id: string;
  latency?: number;
  rps?: number;
  hardwareCount?: number;
  hardwareType: string;
}

/** The numeric value of a metadata value: `double_value`, else `int_value` parsed (spec 03 §8.2). */
export function numericValue(value: unknown): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { double_value: double, int_value: int } = value as { double_value?: unknown; int_value?: unknown };
  if (typeof double === 'number' && Number.isFinite(double)) return double;
  if (typeof int === 'string' && int.trim() !== '' && Number.isFinite(Number(int))) return Number(int);
  if (typeof int === 'number' && Number.isFinite(int)) return int;
  return undefined;
}

export function stringValue(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const member = (value as { string_value?: unknown }).string_value;
  return typeof member === 'string' ? member : undefined;
}

/** A performance point from an artifact's custom properties. */
export function performancePoint(id: string, customProperties: Record<string, unknown> | undefined, names: PerformanceProperties): PerformancePoint {
  const props = customProperties ?? {};
  const read = (name: string) => (Object.hasOwn(props, name) ? props[name] : undefined);
  const count = numericValue(read(names.hardwareCountProperty));
  return {
    id,
    latency: numericValue(read(names.latencyProperty)),
    rps: numericValue(read(names.rpsProperty)),
    hardwareCount: count === undefined ? undefined : Math.trunc(count),
    hardwareType: stringValue(read(names.hardwareTypeProperty)) ?? '',
  };
}

/** `replicas` and `total_requests_per_second` for a target load (spec 03 §8.2). */
export function sizing(rps: number | undefined, targetRPS: number): { replicas: number; totalRequestsPerSecond: number } {
  const perReplica = rps === undefined || rps <= 0 ? 1 : rps;
  const replicas = Math.min(Math.max(Math.ceil(targetRPS / perReplica), 1), MAX_REPLICAS);
  return { replicas, totalRequestsPerSecond: replicas * perReplica };
}

/** The ids the Pareto procedure keeps, over all hardware-type groups (spec 03 §8.3). */
export function recommendedIds(points: readonly PerformancePoint[], targetRPS: number): Set<string> {
  const groups = new Map<string, PerformancePoint[]>();
  for (const point of points) groups.set(point.hardwareType, [...(groups.get(point.hardwareType) ?? []), point]);
  const kept = new Set<string>();
  for (const group of groups.values()) for (const point of recommendGroup(group, targetRPS)) kept.add(point.id);
  return kept;
}

/** The smallest known latency among the kept points: a model's recommended latency (spec 03 §5.4). */
export function recommendedLatency(points: readonly PerformancePoint[], targetRPS: number): number | undefined {
  const kept = recommendedIds(points, targetRPS);
  let best: number | undefined;
  for (const point of points) {
    const latency = knownLatency(point);
    if (kept.has(point.id) && latency !== undefined && (best === undefined || latency < best)) best = latency;
  }
  return best;
}

function recommendGroup(group: PerformancePoint[], targetRPS: number): PerformancePoint[] {
  const cost = (point: PerformancePoint) => (knownHardware(point) ?? 1) * sizing(point.rps, targetRPS).replicas;
  const sorted = [...group].sort((a, b) =>
    compareUnknownLast(knownLatency(a), knownLatency(b)) || compareUnknownLast(knownHardware(a), knownHardware(b)) || compareIds(a.id, b.id));
  const frontier: PerformancePoint[] = [];
  let cheapest = Number.POSITIVE_INFINITY;
  for (const point of sorted) {
    const c = cost(point);
    if (c < cheapest) {
      frontier.push(point);
      cheapest = c;
    }
  }
  frontier.reverse();
  const kept: PerformancePoint[] = [];
  let epsilon = 0.05;
  let last: number | undefined;
  for (const [index, point] of frontier.entries()) {
    const latency = knownLatency(point);
    if (index === 0) {
      kept.push(point);
      last = latency;
      continue;
    }
    // Once the kept latency is at most 100, smaller relative gains count (for the rest of the group).
    if (last !== undefined && last <= 100) epsilon = 0.1;
    if (latency !== undefined && (last === undefined || (last - latency) / last > epsilon)) {
      kept.push(point);
      last = latency;
    }
  }
  return kept;
}

function knownLatency(point: PerformancePoint): number | undefined {
  return point.latency !== undefined && point.latency > 0 ? point.latency : undefined;
}

function knownHardware(point: PerformancePoint): number | undefined {
  return point.hardwareCount !== undefined && point.hardwareCount >= 1 ? point.hardwareCount : undefined;
}

function compareUnknownLast(a: number | undefined, b: number | undefined): number {
  if (a === undefined) return b === undefined ? 0 : 1;
  if (b === undefined) return -1;
  return a - b;
}

/** Ids are decimal int64 strings: shorter is smaller. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
