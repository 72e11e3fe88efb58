import { EntryKit, identityOf, type Entry, type Identity, type PluginGenerator } from './common.js';
import { deriveSeed, Random } from './random.js';
import { capitalize } from './text.js';

/**
 * Synthetic model catalog documents (spec 03 §4.1): models with a model artifact, performance
 * artifacts over a few hardware types and one accuracy artifact, deterministic for a seed. Sized for
 * the model benchmark (10,000 models × 5 artifacts), split over several sources; and the model entries
 * of the synthetic dataset of bench:generate.
 */

const ORGS = ['northwind', 'contoso', 'fabrikam', 'tailspin', 'woodgrove', 'adatum', 'litware', 'proseware'];
const FAMILIES = ['helm', 'lumen', 'quill', 'sonar', 'marlin', 'anchor', 'tidewater', 'beacon', 'harbor', 'keel'];
const TASKS = ['text-generation', 'text-embedding', 'summarization', 'code-generation', 'image-to-text', 'automatic-speech-recognition'];
const LICENSES = ['apache-2.0', 'mit', 'llama3.1', 'cc-by-4.0', 'gemma', 'other'];
const LIBRARIES = ['transformers', 'vllm', 'sentence-transformers', 'onnxruntime'];
const HARDWARE = ['H100', 'A100', 'L40S', 'MI300X'];
const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'ja'];

const S = (v: string) => ({ metadataType: 'MetadataStringValue', string_value: v });
const I = (v: number) => ({ metadataType: 'MetadataIntValue', int_value: String(v) });
const D = (v: number) => ({ metadataType: 'MetadataDoubleValue', double_value: Math.round(v * 10) / 10 });

export interface ModelDocumentOptions {
  /** Models in this document. */
  count: number;
  /** Index of the first model (names stay unique across documents). */
  offset: number;
  /** Artifacts per model: one model artifact, one accuracy artifact, the rest performance. */
  artifactsPerModel: number;
  seed: number;
}

/** A performance-metrics artifact on 1, 2, 4 or 8 accelerators. */
function performanceArtifact(r: Random) {
  const hw = r.pick([1, 2, 4, 8]);
  const rps = (r.int(10, 200) / 10) * hw;
  return {
    artifactType: 'metrics-artifact',
    metricsType: 'performance-metrics',
    customProperties: {
      hardware_type: S(r.pick(HARDWARE)), hardware_count: I(hw), requests_per_second: D(rps),
      ttft_p90: D(r.int(300, 5000) / 10 / Math.sqrt(hw)), use_case: S(r.pick(['chatbot', 'rag', 'summarization'])),
    },
  };
}

const accuracyArtifact = (r: Random) => ({ artifactType: 'metrics-artifact', metricsType: 'accuracy-metrics', customProperties: { overall_average: D(r.int(300, 900) / 10) } });

/** Typed custom properties of a model (spec 03 §3.2). */
const modelProperties = (task: string, parameterCount: number) => ({ model_type: S(task === 'text-embedding' ? 'embedding' : 'generative'), parameter_count: I(parameterCount) });

/** One source document as JSON text (valid YAML 1.2, faster to parse at this size). */
export function generateModelDocument(options: ModelDocumentOptions): string {
  const models = [];
  for (let index = options.offset; index < options.offset + options.count; index++) {
    const r = new Random(deriveSeed(options.seed, 'model', String(index)));
    const org = r.pick(ORGS);
    const family = r.pick(FAMILIES);
    const size = r.pick([1, 3, 7, 8, 13, 34, 70]);
    const name = `${org}/${family}-${size}b-${index}`;
    const task = r.pick(TASKS);
    const performance = Array.from({ length: Math.max(0, options.artifactsPerModel - 2) }, () => performanceArtifact(r));
    models.push({
      name,
      provider: `${capitalize(org)} AI`,
      description: `${family} ${size}B model for ${task.replace(/-/g, ' ')}.`,
      tasks: [task],
      language: r.sample(LANGUAGES, r.int(1, 3)),
      license: r.pick(LICENSES),
      libraryName: r.pick(LIBRARIES),
      maturity: r.chance(0.7) ? 'Generally Available' : 'Technology Preview',
      customProperties: modelProperties(task, size * 1_000_000_000 + index),
      artifacts: [
        { uri: `oci://registry.example.com/${name}:1.0` },
        ...performance,
        ...(options.artifactsPerModel >= 2 ? [accuracyArtifact(r)] : []),
      ],
    });
  }
  return JSON.stringify({ source: 'Generated models', models });
}

/**
 * Model entries of the synthetic dataset (`bench:generate`, spec 02 §10.8): named
 * `<org>/<family>-<topic>-<n>`, each about a topic, with zero to five artifacts and, at realistic
 * rates, every optional field of spec 03 §3.1.
 */
export const modelGenerator: PluginGenerator = {
  identity: (random, index) => identityOf(random, index, FAMILIES, (topic, family) => `${random.pick(ORGS)}/${family}-${topic.slug}`),

  entries(random) {
    const kit = new EntryKit(random);
    return ({ name, topic, variant }: Identity): Entry => {
      const entry = kit.start(name, topic, 'mdl');
      const org = name.slice(0, name.indexOf('/'));
      const task = random.pick(TASKS);
      const size = random.pick([1, 3, 7, 8, 13, 34, 70]);
      entry.provider = `${capitalize(org)} AI`;
      entry.tasks = [task];
      kit.maybe(entry, 'language', 0.8, () => random.sample(LANGUAGES, random.int(1, 3)));
      kit.maybe(entry, 'license', 0.85, () => random.pick(LICENSES));
      kit.maybe(entry, 'licenseLink', 0.3, () => `https://licenses.example.org/${entry.license ?? 'other'}`);
      kit.maybe(entry, 'libraryName', 0.7, () => random.pick(LIBRARIES));
      kit.maybe(entry, 'maturity', 0.8, () => (random.chance(0.7) ? 'Generally Available' : 'Technology Preview'));
      kit.maybe(entry, 'readme', 0.3, () => `# ${capitalize(variant)} for ${topic.plural}\n\n${kit.text.description(topic)}\n`);
      kit.maybe(entry, 'logo', 0.05, () => `https://logos.example.com/${org}.svg`);
      const artifacts = random.int(0, 5);
      if (artifacts > 0) {
        entry.artifacts = [
          { uri: `oci://registry.example.com/${name}:${kit.version()}` },
          ...Array.from({ length: Math.max(0, artifacts - 2) }, () => performanceArtifact(random)),
          ...(artifacts >= 2 ? [accuracyArtifact(random)] : []),
        ];
      }
      return kit.finish(entry, () => modelProperties(task, size * 1_000_000_000 + random.int(0, 999_999_999)));
    };
  },
};
