/**
 * Deterministic randomness for the synthetic data generator. Everything here is a pure function of
 * the seed: no `Math.random`, no clock, no iteration over hash-ordered structures, so the same seed
 * always yields byte-identical output on every machine.
 */

import { seededRandom } from '../../packages/server/src/testing/seededRandom.js';

/** Mulberry32, shared with the server's test data: floats in [0, 1). */
export const randomSource = seededRandom;


/**
 * A 32-bit seed for one independent stream, e.g. `deriveSeed(1, 'bench-2', 'agents', 'names')`.
 * Each (namespace, plugin, purpose) gets its own stream so that adding a plugin to `--plugins` or
 * changing how one generator draws never shifts the values of another.
 */
export function deriveSeed(seed: number, ...parts: string[]): number {
  // FNV-1a over the parts, then the murmur3 finalizer so nearby inputs give unrelated seeds.
  let h = 0x811c9dc5;
  for (const char of [String(seed), ...parts].join('\u0000')) {
    h ^= char.codePointAt(0)!;
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Cumulative weights 1/(i+1)^exponent over `size` ranks, normalized to end at 1. */
function zipfCdf(size: number, exponent: number): Float64Array {
  const cdf = new Float64Array(size);
  let total = 0;
  for (let i = 0; i < size; i++) {
    total += 1 / (i + 1) ** exponent;
    cdf[i] = total;
  }
  for (let i = 0; i < size; i++) cdf[i] /= total;
  return cdf;
}

/** Smallest index whose cumulative weight exceeds `x` (binary search, so large tables stay cheap). */
function rankOf(cdf: Float64Array, x: number): number {
  let low = 0;
  let high = cdf.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (cdf[mid] > x) high = mid;
    else low = mid + 1;
  }
  return low;
}

/**
 * A Zipf-distributed choice among fixed values: the value at position i is drawn with probability
 * proportional to 1/(i+1), so the first value is the most common and the last the rarest.
 *
 * The first `values.length` draws walk the values in order before the skew takes over. Without
 * that, a small dataset (`--per-plugin 20`) would miss the rare values of a six-value enum, and the
 * generator promises every enum value at any size that can hold them all.
 */
export class Zipf<T> {
  private readonly cdf: Float64Array;
  private covered = 0;

  constructor(readonly values: readonly T[], exponent = 1) {
    if (values.length === 0) throw new Error('Zipf needs at least one value');
    this.cdf = zipfCdf(values.length, exponent);
  }

  /** Probability of the value at `index` once the coverage walk is over. */
  probability(index: number): number {
    return this.cdf[index] - (index === 0 ? 0 : this.cdf[index - 1]);
  }

  draw(random: Random): T {
    if (this.covered < this.values.length) return this.values[this.covered++];
    return this.values[rankOf(this.cdf, random.next())];
  }
}

/**
 * Zipf-distributed picks among the names of another generated plugin, for references: a few targets
 * are referenced by many entities (a popular guardrail or skill), most by few or none, which is what
 * reverse lookups (`references=Kind:name`) meet in real catalogs.
 */
export class NamePicker {
  private readonly cdf: Float64Array;

  constructor(readonly names: readonly string[]) {
    // A gentler skew than the enums: with 10,000 targets, exponent 1 would send a tenth of all
    // references to the very first name.
    this.cdf = zipfCdf(names.length, 0.8);
  }

  get size(): number {
    return this.names.length;
  }

  /** One name among the first `limit` (default: all), skewed towards the start of the list. */
  pick(random: Random, limit = this.names.length): string {
    const x = random.next() * this.cdf[Math.min(limit, this.names.length) - 1];
    return this.names[rankOf(this.cdf, x)];
  }

  /** Up to `count` distinct names among the first `limit`; fewer when duplicates keep coming up. */
  pickDistinct(random: Random, count: number, limit = this.names.length): string[] {
    const picked: string[] = [];
    // A bounded number of attempts: the skew makes repeats common, and a shorter list is fine.
    for (let attempt = 0; attempt < count * 4 && picked.length < count; attempt++) {
      const name = this.pick(random, limit);
      if (!picked.includes(name)) picked.push(name);
    }
    return picked;
  }
}

/** Convenience draws over one stream. */
export class Random {
  readonly next: () => number;

  constructor(seed: number) {
    this.next = randomSource(seed);
  }

  /** Integer in [min, max], uniform. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Integer in [min, max] skewed towards `min` (log-uniform), for counts and sizes that are mostly small. */
  skewedInt(min: number, max: number): number {
    const low = Math.log(min + 1);
    const high = Math.log(max + 2);
    return Math.min(max, Math.floor(Math.exp(low + this.next() * (high - low))) - 1);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Uniform choice, for vocabulary where a skew would only make the text repetitive. */
  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)];
  }

  /** Up to `count` distinct values, uniform. */
  sample<T>(values: readonly T[], count: number): T[] {
    const pool = [...values];
    const out: T[] = [];
    while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(this.next() * pool.length), 1)[0]);
    return out;
  }

  /** Lower-case hexadecimal string of `length` digits. */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.next() * 0x100000000).toString(16).padStart(8, '0');
    return out.slice(0, length);
  }
}
