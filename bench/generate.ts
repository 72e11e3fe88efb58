/**
 * Deterministic synthetic catalogs for benchmarks and load tests.
 *   npm run bench:generate -- --per-plugin 10000 --seed 1 --out bench/out
 * Writes one data file per plugin and namespace plus a sources.yaml pointing at them. The same seed
 * gives byte-identical output. Values follow a skewed (Zipf-like) distribution over each enum.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';

/** Mulberry32: small, fast, deterministic. */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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

function main(): void {
  const { values } = parseArgs({
    options: {
      plugins: { type: 'string', default: 'mcp' },
      'per-plugin': { type: 'string', default: '10000' },
      namespaces: { type: 'string', default: '1' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string', default: 'out' },
      format: { type: 'string', default: 'yaml' },
    },
  });
  const perPlugin = Number(values['per-plugin']);
  const seed = Number(values.seed);
  const out = resolve(values.out!);
  const plugins = values.plugins!.split(',');
  const unsupported = plugins.filter((p) => p !== 'mcp');
  if (unsupported.length > 0) throw new Error(`no generator yet for: ${unsupported.join(', ')}`);
  mkdirSync(out, { recursive: true });
  const namespaces = Array.from({ length: Number(values.namespaces) }, (_, i) => `bench-${i + 1}`);
  for (const [n, namespace] of namespaces.entries()) {
    const servers = generateMcpServers(perPlugin, seed + n);
    const text = values.format === 'json' ? JSON.stringify({ mcpservers: servers }) : stringify({ mcpservers: servers });
    writeFileSync(join(out, `${namespace}-mcp.${values.format}`), text);
  }
  // The sources file describes namespace `default` (one document per namespace; see docs).
  const first = namespaces[0];
  writeFileSync(join(out, 'sources.yaml'), stringify({
    catalogs: { mcp: { sources: [{ id: 'bench-mcp', name: 'Generated MCP servers', type: 'yaml', properties: { yamlCatalogPath: `${first}-mcp.${values.format}` } }] } },
  }));
  process.stdout.write(`wrote ${perPlugin} entities per plugin for ${namespaces.length} namespace(s) to ${out}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
