import { ENFORCEMENT_MODES, ENFORCEMENT_SCOPES, POLICY_LANGUAGES, POLICY_TYPES } from '@catalog/plugin-policies';
import { EntryKit, identityOf, openCustomProperties, type Entry, type Identity, type PluginGenerator } from './common.js';
import { Zipf } from './random.js';

const VARIANTS = ['access-policy', 'data-residency', 'retention-rule', 'egress-control', 'tool-allowlist', 'model-allowlist', 'approval-gate'];
const NAMESPACES = ['team-a', 'team-b', 'finance', 'support', 'staging', 'production'];

/** An entrypoint in the form each policy language uses (spec 02 §8.1): a rule path or a CEL expression. */
function entrypoint(language: (typeof POLICY_LANGUAGES)[number], rule: string, namespaces: string[]): string {
  switch (language) {
    case 'rego':
      return `data.${rule}.allow`;
    case 'cel':
      return `request.namespace in [${namespaces.map((n) => `'${n}'`).join(', ')}] && request.riskLevel != 'high'`;
    default:
      return `rules.${rule}`;
  }
}

/** Policy entries (spec 02 §8.1). */
export const policiesGenerator: PluginGenerator = {
  identity: (random, index) => identityOf(random, index, VARIANTS),

  entries(random) {
    const kit = new EntryKit(random);
    const types = new Zipf(POLICY_TYPES);
    const languages = new Zipf(POLICY_LANGUAGES);
    const scopes = new Zipf(ENFORCEMENT_SCOPES);
    const modes = new Zipf(ENFORCEMENT_MODES);

    return ({ name, topic, variant }: Identity): Entry => {
      const entry = kit.start(name, topic, 'pol');
      const language = languages.draw(random);
      const version = kit.version();
      entry.policyType = types.draw(random);
      entry.language = language;
      kit.maybe(entry, 'bundleRef', 0.85, () =>
        random.chance(0.7) ? `oci://registry.example.com/policies/${name}:${version}` : `https://policies.example.org/bundles/${name}-${version}.tar.gz`,
      );
      kit.maybe(entry, 'entrypoint', 0.8, () => entrypoint(language, `${topic.slug}.${variant.replace(/-/g, '_')}`, random.sample(NAMESPACES, random.int(1, 3))));
      kit.maybe(entry, 'enforcementScope', 0.85, () => scopes.draw(random));
      kit.maybe(entry, 'enforcementMode', 0.85, () => modes.draw(random));
      kit.maybe(entry, 'inputSchema', 0.4, () => kit.objectSchema(['subject', 'namespace', 'resource', 'action'], random.int(1, 3)));
      kit.authorship(entry, topic, version);
      return kit.finish(entry, () => openCustomProperties(kit, topic));
    };
  },
};
