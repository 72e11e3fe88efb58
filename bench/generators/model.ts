import { deriveSeed, Random } from './random.js';

/**
 * Synthetic model catalog documents (spec 03 §4.1): models with a model artifact, performance
 * artifacts over a few hardware types and one accuracy artifact, deterministic for a seed. Sized for
 * the model benchmark (10,000 models × 5 artifacts), split over several sources.
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
    const performance = Array.from({ length: Math.max(0, options.artifactsPerModel - 2) }, () => {
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
    });
    models.push({
      name,
      provider: `${org[0].toUpperCase()}${org.slice(1)} AI`,
      description: `${family} ${size}B model for ${task.replace(/-/g, ' ')}.`,
      tasks: [task],
      language: r.sample(LANGUAGES, r.int(1, 3)),
      license: r.pick(LICENSES),
      libraryName: r.pick(LIBRARIES),
      maturity: r.chance(0.7) ? 'Generally Available' : 'Technology Preview',
      customProperties: { model_type: S(task === 'text-embedding' ? 'embedding' : 'generative'), parameter_count: I(size * 1_000_000_000 + index) },
      artifacts: [
        { uri: `oci://registry.example.com/${name}:1.0` },
        ...performance,
        ...(options.artifactsPerModel >= 2 ? [{ artifactType: 'metrics-artifact', metricsType: 'accuracy-metrics', customProperties: { overall_average: D(r.int(300, 900) / 10) } }] : []),
      ],
    });
  }
  return JSON.stringify({ source: 'Generated models', models });
}
