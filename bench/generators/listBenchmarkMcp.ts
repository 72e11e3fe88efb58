import { randomSource } from './random.js';

/**
 * The fixed MCP dataset of the list benchmark (`bench/run.ts`) and of its bare-Fastify ceiling
 * (`bench/bareServer.ts`). Frozen on purpose: its output for a given count and seed must never
 * change, so benchmark results stay comparable across versions (a test pins it by digest). The
 * richer catalog that `npm run bench:generate` writes comes from `generators/mcp.ts`.
 */

/** Picks index i of n with probability proportional to 1/(i+1). */
function zipf<T>(random: () => number, values: readonly T[]): T {
  const weights = values.map((_, i) => 1 / (i + 1));
  let x = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < values.length; i++) {
    x -= weights[i];
    if (x <= 0) return values[i];
  }
  return values[values.length - 1];
}

const WORDS = ['cluster', 'ledger', 'signal', 'harbor', 'beacon', 'vector', 'relay', 'atlas', 'quartz', 'ember', 'summit', 'delta', 'orbit', 'cipher', 'meadow', 'forge'];
const CATEGORIES = ['DevOps', 'Database', 'Observability', 'Security', 'Productivity', 'Data', 'Messaging'];
const PROVIDERS = ['Northwind Platform Team', 'Contoso Labs', 'Fabrikam Data', 'Tailspin Ops', 'Woodgrove Security'];
const TRANSPORTS = ['stdio', 'streamable-http', 'sse', 'http'] as const;
const LICENSES = ['Apache-2.0', 'MIT', 'BSD-3-Clause', 'MPL-2.0'];

function sentence(random: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(random() * WORDS.length)]);
  return `${out.join(' ')}.`.replace(/^./, (c) => c.toUpperCase());
}

export function generateMcpServers(count: number, seed: number): Record<string, unknown>[] {
  const random = randomSource(seed);
  const servers: Record<string, unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const mode = zipf(random, ['local', 'remote'] as const);
    const name = `${WORDS[i % WORDS.length]}-${WORDS[Math.floor(i / WORDS.length) % WORDS.length]}-mcp-${i}`;
    const server: Record<string, unknown> = {
      name,
      description: sentence(random, 8 + Math.floor(random() * 20)),
      serverUrl: mode === 'local' ? `stdio://${name}` : `https://mcp.example.com/${name}`,
      transportType: zipf(random, TRANSPORTS),
      deploymentMode: mode,
      ...(mode === 'local' ? { image: `registry.example.com/mcp/${name}:1.${i % 10}.0` } : { endpoint: `https://mcp.example.com/${name}/v1` }),
      license: zipf(random, LICENSES),
      verified: random() < 0.4,
      certified: random() < 0.2,
      provider: zipf(random, PROVIDERS),
      category: zipf(random, CATEGORIES),
    };
    if (random() < 0.9) server.toolCount = Math.floor(random() * 20);
    if (random() < 0.5) server.resourceCount = Math.floor(random() * 10);
    servers.push(server);
  }
  return servers;
}
