import { NamePicker, Random, Zipf } from './random.js';
import { ACTIONS, LICENSES, TextKit, TOPICS, type Topic } from './text.js';

/** The plugins the generator fills: all eight, in the order of spec 02 §1.8. */
export const GENERATED_PLUGINS = ['model', 'mcp', 'knowledge', 'prompts', 'agents', 'guardrails', 'policies', 'skills'] as const;
export type GeneratedPlugin = (typeof GENERATED_PLUGINS)[number];

/** One entry of a source document. */
export type Entry = Record<string, unknown>;

/**
 * The generated names of every plugin in the same namespace (its own included: agents depend on
 * agents), for references. A plugin that is not being generated has no picker, and nothing refers
 * to it: every reference resolves.
 */
export type Targets = Partial<Record<GeneratedPlugin, NamePicker>>;

/** Share of agents and of skills that carry references to other generated entities (spec 02 §10.8). */
export const REFERENCE_SHARE = 0.3;

/** Who an entry is: drawn for every entity of every plugin before any entry is built. */
export interface Identity {
  index: number;
  /** Unique within the (namespace, plugin): the index suffix guarantees it. */
  name: string;
  /** What the entry is about; its text, paths and URLs follow the topic its name shows. */
  topic: Topic;
  /** The word of the name beside the topic (`gateway`, `digest`, `search`), so the entry can live up to it. */
  variant: string;
}

export interface PluginGenerator {
  /** Draws the identity of the entity at `index`. */
  identity(random: Random, index: number): Identity;
  /**
   * A factory of entries for one (namespace, plugin) dataset. Its Zipf samplers live as long as the
   * dataset, so the coverage walk over every enum value happens once per dataset.
   */
  entries(random: Random, targets: Targets): (identity: Identity) => Entry;
}

/** 2025-01-01T00:00:00Z: generated timestamps fall in the year after it. */
const EPOCH_BASE = 1_735_689_600_000;
const DAY_MS = 86_400_000;

/** Fields and draws every plugin's entries share. */
export class EntryKit {
  readonly text: TextKit;
  private readonly licenses = new Zipf(LICENSES);
  private readonly majors = new Zipf([1, 0, 2, 3, 4]);

  constructor(readonly random: Random) {
    this.text = new TextKit(random);
  }

  /**
   * `name`, then the optional common fields of spec 02 §2.3: most entries have a description, a few
   * an external id. Timestamps and custom properties go last (`finish`), as authors usually write them.
   */
  start(name: string, topic: Topic, externalIdPrefix: string): Entry {
    const entry: Entry = { name };
    if (this.random.chance(0.15)) entry.externalId = `${externalIdPrefix}-${this.random.hex(10)}`;
    if (this.random.chance(0.97)) entry.description = this.text.description(topic);
    return entry;
  }

  /** Appends source timestamps (some entries) and custom properties (about one in five). */
  finish(entry: Entry, customProperties: () => Record<string, unknown>): Entry {
    if (this.random.chance(0.2)) entry.customProperties = customProperties();
    if (this.random.chance(0.25)) {
      const created = EPOCH_BASE + this.random.int(0, 300) * DAY_MS + this.random.int(0, DAY_MS - 1);
      // Strings of digits, as the API serves them; integers are accepted too but are the rarer form.
      entry.createTimeSinceEpoch = String(created);
      entry.lastUpdateTimeSinceEpoch = String(created + this.random.int(0, 60) * DAY_MS);
    }
    return entry;
  }

  /** Semantic version, mostly 1.x. */
  version(): string {
    return `${this.majors.draw(this.random)}.${this.random.skewedInt(0, 14)}.${this.random.skewedInt(0, 9)}`;
  }

  license(): string {
    return this.licenses.draw(this.random);
  }

  /** Sets `key` to `value()` with the given probability, so optional fields appear at realistic rates. */
  maybe(entry: Entry, key: string, probability: number, value: () => unknown): void {
    if (this.random.chance(probability)) entry[key] = value();
  }

  /** Version, author and license, which most non-mcp kinds carry; `version` when the entry already implies one. */
  authorship(entry: Entry, topic: Topic, version?: string): void {
    this.maybe(entry, 'version', 0.9, () => version ?? this.version());
    this.maybe(entry, 'author', 0.85, () => (this.random.chance(0.7) ? topic.team : this.text.team()));
    this.maybe(entry, 'license', 0.75, () => this.license());
  }

  /**
   * A small JSON Schema of an object with a few string and integer properties; like most hand-written
   * schemas, only the leading property is described.
   */
  objectSchema(fields: readonly string[], required: number): Record<string, unknown> {
    const properties: Record<string, unknown> = {};
    for (const [i, field] of fields.entries()) {
      if (/count|limit|days|size/i.test(field)) properties[field] = { type: 'integer', minimum: 0 };
      else if (i > 0) properties[field] = { type: 'string' };
      else properties[field] = { type: 'string', description: `The ${field.replace(/([A-Z])/g, ' $1').toLowerCase()}` };
    }
    return { type: 'object', properties, required: fields.slice(0, required) };
  }
}

/** Custom property values of the six open-map plugins: any JSON, nested values included. */
export function openCustomProperties(kit: EntryKit, topic: Topic): Record<string, unknown> {
  const r = kit.random;
  const properties: Record<string, unknown> = { costCenter: `cc-${r.int(1000, 9999)}` };
  if (r.chance(0.5)) properties.owners = [topic.team.toLowerCase().replace(/ /g, '-')];
  if (r.chance(0.4)) properties.reviewedInQuarter = `2025-Q${r.int(1, 4)}`;
  if (r.chance(0.3)) properties.sla = { responseMinutes: r.pick([15, 30, 60, 240]), businessHoursOnly: r.chance(0.5) };
  return properties;
}

/** A slug of `text`, for paths and host names. */
export function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/**
 * An identity about a random topic, named `<topic>-<variant>-<n>` (or as `build` says) with the
 * 1-based index `n`, which keeps names unique however the words repeat.
 */
export function identityOf(
  random: Random,
  index: number,
  variants: readonly string[],
  build: (topic: Topic, variant: string) => string = (topic, variant) => `${topic.slug}-${variant}`,
): Identity {
  const topic = random.pick(TOPICS);
  const variant = random.pick(variants);
  return { index, name: `${build(topic, variant)}-${index + 1}`, topic, variant };
}

/** A tool name as MCP servers spell them (`lookup_invoice`), for skills and agents that call one. */
export function toolName(random: Random, topic: Topic): string {
  return `${random.pick(ACTIONS)}_${topic.slug}`;
}
