import { PROMPT_FORMATS } from '@catalog/plugin-prompts';
import { EntryKit, identityOf, openCustomProperties, type Entry, type Identity, type PluginGenerator } from './common.js';
import { Random, Zipf } from './random.js';
import { capitalize, type Topic } from './text.js';

type PromptFormat = (typeof PROMPT_FORMATS)[number];

/** An optional template parameter: its schema (with a default) and the sentence that uses it. */
interface OptionalParameter {
  name: string;
  schema: Record<string, unknown>;
  sentence: (placeholder: string) => string;
}

const OPTIONAL_PARAMETERS: readonly OptionalParameter[] = [
  { name: 'tone', schema: { type: 'string', enum: ['neutral', 'friendly', 'formal'], default: 'neutral' }, sentence: (p) => `Use a ${p} tone.` },
  { name: 'maxWords', schema: { type: 'integer', default: 150 }, sentence: (p) => `Stay under ${p} words.` },
  { name: 'audience', schema: { type: 'string', default: 'the operations team' }, sentence: (p) => `Write for ${p}.` },
  { name: 'language', schema: { type: 'string', enum: ['English', 'German', 'French', 'Spanish'], default: 'English' }, sentence: (p) => `Answer in ${p}.` },
  { name: 'deadline', schema: { type: 'string', default: 'the end of the week' }, sentence: (p) => `Point out anything that threatens the deadline of ${p}.` },
];

const STYLES = ['brief', 'summary', 'digest', 'reply', 'checklist', 'outline', 'rewrite', 'extraction'];
const TASK_TAGS = ['summarization', 'drafting', 'classification', 'extraction', 'support', 'operations', 'analysis', 'translation', 'planning', 'code-review'];
const MODEL_FAMILIES = ['granite', 'llama', 'helm', 'aurora', 'cobalt', 'mistral'];

/** Placeholder syntax per format; both spellings are what the `render` action accepts (spec 02 §5.4). */
function placeholder(format: PromptFormat, name: string): string {
  return format === 'jinja2' ? `{{ ${name} }}` : `{{${name}}}`;
}

/**
 * A template of the given format whose every placeholder is declared in `parametersSchema`, so
 * `render` succeeds with just the required input. Templates contain no block syntax (`{% %}`,
 * `{{#each}}`), which the render action refuses.
 */
function buildTemplate(kit: EntryKit, format: PromptFormat, topic: Topic, style: string): { template: string; parametersSchema?: Entry } {
  const r = kit.random;
  const chat = format === 'chat_messages';
  const input = chat ? 'question' : 'context';
  const article = /^[aeiou]/.test(style) ? 'an' : 'a';
  const lead = `${capitalize(r.pick(['prepare', 'write', 'produce', 'draft']))} ${article} ${style} of the ${topic.plural} below for the ${topic.team}.`;
  const used = new Set<number>();
  const rules = Array.from({ length: r.skewedInt(1, 12) }, () => kit.text.instruction(topic, used));
  if (format === 'raw') {
    // Raw templates are served and rendered verbatim, so their input marker is plain text.
    return { template: `${[lead, ...rules].join(' ')}\n\n${capitalize(topic.plural)}:\n<paste the records here>\n` };
  }
  const optional = r.sample(OPTIONAL_PARAMETERS, r.skewedInt(0, 3));
  const instructions = [lead, ...rules, ...optional.map((p) => p.sentence(placeholder(format, p.name)))].join(' ');
  const template = chat
    ? `[system]\n${instructions}\n[user]\n${placeholder(format, input)}\n`
    : `${instructions}\n\n${capitalize(topic.plural)}:\n${placeholder(format, input)}\n`;
  const properties: Entry = { [input]: { type: 'string', description: chat ? 'The request as the user wrote it' : `The ${topic.plural} to work on` } };
  for (const p of optional) properties[p.name] = p.schema;
  const parametersSchema: Entry = { type: 'object', properties, required: [input] };
  if (r.chance(0.5)) parametersSchema.additionalProperties = false;
  return { template, parametersSchema };
}

/** PromptTemplate entries (spec 02 §5.1). */
export const promptsGenerator: PluginGenerator = {
  identity: (random, index) => identityOf(random, index, STYLES),

  entries(random: Random) {
    const kit = new EntryKit(random);
    const formats = new Zipf(PROMPT_FORMATS);
    const tags = new Zipf(TASK_TAGS);

    return ({ name, topic, variant }: Identity): Entry => {
      const entry = kit.start(name, topic, 'prompt');
      const format = formats.draw(random);
      entry.format = format;
      // The variant is the name's style word, so the template asks for what the name promises.
      const { template, parametersSchema } = buildTemplate(kit, format, topic, variant);
      entry.template = template;
      if (parametersSchema) entry.parametersSchema = parametersSchema;
      kit.maybe(entry, 'outputSchema', 0.25, () => ({
        type: 'object',
        properties: { summary: { type: 'string' }, confidence: { type: 'number', minimum: 0, maximum: 1 } },
        required: ['summary'],
      }));
      kit.maybe(entry, 'modelConstraints', 0.4, () => {
        const constraints: Entry = { compatibleModelFamilies: random.sample(MODEL_FAMILIES, random.int(1, 3)) };
        if (random.chance(0.8)) constraints.minContextTokens = random.pick([2048, 4096, 8192, 16384, 32768]);
        if (random.chance(0.5)) constraints.maxOutputTokens = random.pick([256, 512, 1024, 2048]);
        return constraints;
      });
      kit.maybe(entry, 'examples', 0.15, () =>
        Array.from({ length: random.int(1, 2) }, () => ({
          inputs: { [format === 'chat_messages' ? 'question' : 'context']: kit.text.describingSentence(topic) },
          expectedOutput: kit.text.describingSentence(topic),
          ...(random.chance(0.5) ? { notes: kit.text.describingSentence(topic) } : {}),
        })),
      );
      kit.maybe(entry, 'taskTags', 0.85, () => {
        const picked = Array.from({ length: random.int(1, 3) }, () => tags.draw(random));
        return [...new Set(picked)];
      });
      kit.authorship(entry, topic);
      return kit.finish(entry, () => openCustomProperties(kit, topic));
    };
  },
};
