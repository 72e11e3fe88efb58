import { CONVENTIONAL_RISK_CATEGORIES, ENFORCEMENT_MODES, ENFORCEMENT_STAGES, GUARDRAIL_TYPES, MODALITIES } from '@catalog/plugin-guardrails';
import { EntryKit, identityOf, openCustomProperties, type Entry, type Identity, type PluginGenerator } from './common.js';
import { Zipf } from './random.js';

const VARIANTS = ['pii-redactor', 'toxicity-filter', 'secret-scanner', 'jailbreak-shield', 'topic-fence', 'format-check'];
/** Teams add their own categories next to the conventional ones (spec 02 §7.1); a few appear here. */
const RISK_CATEGORIES = [...CONVENTIONAL_RISK_CATEGORIES, 'competitor_mentions', 'financial_advice'];

/** Configuration file names per guardrail engine, as in spec 02 §7.1. */
const CONFIG_KEYS: Record<(typeof GUARDRAIL_TYPES)[number], readonly string[]> = {
  nemo_guardrails: ['railsConfig', 'topicsList'],
  guardrails_ai: ['guardSpec'],
  regex_rules: ['sensitivePatterns', 'allowList'],
  content_filter: ['thresholds'],
  moderation_profile: ['profile', 'allowList'],
};

/** Guardrail entries (spec 02 §7.1). */
export const guardrailsGenerator: PluginGenerator = {
  identity: (random, index) => identityOf(random, index, VARIANTS),

  entries(random) {
    const kit = new EntryKit(random);
    const types = new Zipf(GUARDRAIL_TYPES);
    const stages = new Zipf(ENFORCEMENT_STAGES);
    const modes = new Zipf(ENFORCEMENT_MODES);
    const categories = new Zipf(RISK_CATEGORIES);
    const modalities = new Zipf(MODALITIES);

    return ({ name, topic }: Identity): Entry => {
      const entry = kit.start(name, topic, 'gr');
      const type = types.draw(random);
      entry.guardrailType = type;
      entry.enforcementStage = stages.draw(random);
      entry.enforcementMode = modes.draw(random);
      kit.maybe(entry, 'riskCategories', 0.85, () => [...new Set(Array.from({ length: random.int(1, 3) }, () => categories.draw(random)))]);
      // Text nearly always, other modalities as additions: a guardrail that only screens audio is rare.
      kit.maybe(entry, 'modalities', 0.6, () => [...new Set(['text', ...Array.from({ length: random.int(0, 2) }, () => modalities.draw(random))])]);
      kit.maybe(entry, 'configRef', 0.6, () => {
        const configRef: Entry = {};
        for (const key of CONFIG_KEYS[type]) {
          configRef[key] = random.chance(0.5)
            ? `oci://registry.example.com/guardrails/${name}-${key.toLowerCase()}:${kit.version()}`
            : `https://config.example.org/guardrails/${name}/${key}.yaml`;
        }
        return configRef;
      });
      kit.authorship(entry, topic);
      return kit.finish(entry, () => openCustomProperties(kit, topic));
    };
  },
};
