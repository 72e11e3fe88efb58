import { DEPLOYMENT_MODES, TRANSPORT_TYPES } from '@catalog/plugin-mcp';
import { EntryKit, identityOf, slug, type Entry, type Identity, type PluginGenerator } from './common.js';
import { Random, Zipf } from './random.js';

type Transport = (typeof TRANSPORT_TYPES)[number];

/**
 * Transports in order of likelihood. A stdio server always runs next to its client (`local`); the
 * others may be containers or hosted endpoints.
 */
const TRANSPORTS = ['stdio', 'streamable-http', 'sse', 'http'] as const satisfies readonly Transport[];

const ROLES = ['gateway', 'connector', 'bridge', 'server', 'hub', 'proxy'];
const CATEGORIES = ['DevOps', 'Data', 'Observability', 'Security', 'Productivity', 'Database', 'Messaging', 'Finance', 'Support'];
const TIERS = ['gold', 'silver', 'bronze'];

/** A tiny inline logo, as `data:` URLs are allowed for logos (spec 02 §3.1). */
function inlineLogo(random: Random): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#${random.hex(6)}"/></svg>`;
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}

/** McpServer entries (spec 02 §3.1). */
export const mcpGenerator: PluginGenerator = {
  identity: (random, index) => identityOf(random, index, ROLES),

  entries(random) {
    const kit = new EntryKit(random);
    const modes = new Zipf(DEPLOYMENT_MODES);
    const transports = new Zipf(TRANSPORTS);
    const categories = new Zipf(CATEGORIES);

    return ({ name, topic }: Identity): Entry => {
      const entry = kit.start(name, topic, 'mcp');
      const transport = transports.draw(random);
      const mode = transport === 'stdio' ? 'local' : modes.draw(random);
      const organization = kit.text.organization();
      entry.serverUrl =
        mode === 'remote' ? `https://mcp.example.com/${name}` : transport === 'stdio' ? `stdio://${name}` : `http://localhost:${random.int(3000, 9999)}/mcp`;
      kit.maybe(entry, 'transportType', 0.9, () => transport);
      entry.deploymentMode = mode;
      if (mode === 'local') kit.maybe(entry, 'image', 0.95, () => `registry.example.com/${slug(organization)}/${name}:${kit.version()}`);
      else kit.maybe(entry, 'endpoint', 0.95, () => `https://mcp.example.com/${name}/${transport === 'sse' ? 'sse' : 'v1'}`);
      kit.maybe(entry, 'supportedTransports', 0.35, () => {
        const others = random.sample(TRANSPORT_TYPES.filter((t) => t !== transport), random.int(1, 2));
        return [transport, ...others].join(random.chance(0.3) ? ', ' : ',');
      });
      kit.maybe(entry, 'toolCount', 0.9, () => random.skewedInt(1, 60));
      kit.maybe(entry, 'resourceCount', 0.5, () => random.skewedInt(0, 25));
      kit.maybe(entry, 'promptCount', 0.3, () => random.skewedInt(0, 10));
      kit.maybe(entry, 'license', 0.85, () => kit.license());
      const verified = random.chance(0.45);
      kit.maybe(entry, 'verified', 0.8, () => verified);
      // Certification presupposes verification, as in real registries.
      kit.maybe(entry, 'certified', 0.6, () => verified && random.chance(0.4));
      kit.maybe(entry, 'provider', 0.9, () => organization);
      kit.maybe(entry, 'logo', 0.25, () => (random.chance(0.7) ? `https://assets.example.com/logos/${topic.slug}.svg` : inlineLogo(random)));
      kit.maybe(entry, 'category', 0.9, () => categories.draw(random));
      // Scalars only: the mcp plugin refuses nested custom property values (spec 02 §3.1).
      return kit.finish(entry, () => ({
        tier: random.pick(TIERS),
        maxSessions: random.pick([10, 50, 100, 500]),
        internalOnly: random.chance(0.5),
      }));
    };
  },
};
