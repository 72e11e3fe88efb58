import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The data of the two-team scenario (spec 05 §11 item 55): for each team, `perPlugin` entities of
 * five plugins in yaml files, plus one small "scratch" MCP source the scenario re-applies. Every
 * name and source id of a team starts with its token (`red-` for team-a, `blue-` for team-b), so a
 * response to one team can be searched for the other team's token.
 */

export interface Team {
  namespace: 'team-a' | 'team-b';
  /** Prefix of every name, source id and request id of the team. */
  token: 'red' | 'blue';
  /** The team's editor (catalog-edit in its namespace). */
  user: string;
  groups: string[];
}

export const TEAMS: readonly [Team, Team] = [
  { namespace: 'team-a', token: 'red', user: 'alice', groups: ['team-a-engineers'] },
  { namespace: 'team-b', token: 'blue', user: 'carol', groups: [] },
];

export interface ScenarioPlugin {
  name: 'mcp' | 'knowledge' | 'prompts' | 'agents' | 'guardrails';
  plural: string;
  kind: string;
  /** A filter that keeps exactly the entities whose index is even. */
  evenFilter: string;
  entry: (name: string, index: number) => Record<string, unknown>;
}

const even = (index: number) => index % 2 === 0;

export const SCENARIO_PLUGINS: readonly ScenarioPlugin[] = [
  {
    name: 'mcp', plural: 'mcpservers', kind: 'McpServer', evenFilter: "deploymentMode = 'remote'",
    entry: (name, i) => ({ name, serverUrl: even(i) ? `https://${name}.example.com/mcp` : `stdio://${name}`, deploymentMode: even(i) ? 'remote' : 'local' }),
  },
  {
    name: 'knowledge', plural: 'knowledgesources', kind: 'KnowledgeSource', evenFilter: "sourceType = 'url'",
    entry: (name, i) => ({ name, sourceType: even(i) ? 'url' : 'document', location: `https://docs.example.com/${name}` }),
  },
  {
    name: 'prompts', plural: 'prompttemplates', kind: 'PromptTemplate', evenFilter: "format = 'completion'",
    entry: (name, i) => ({ name, format: even(i) ? 'completion' : 'raw', template: `Summarize the ticket for item ${i}.` }),
  },
  {
    name: 'agents', plural: 'agents', kind: 'Agent', evenFilter: "agentType = 'router'",
    entry: (name, i) => ({ name, agentType: even(i) ? 'router' : 'conversational' }),
  },
  {
    name: 'guardrails', plural: 'guardrails', kind: 'Guardrail', evenFilter: "enforcementMode = 'required'",
    entry: (name, i) => ({ name, guardrailType: 'regex_rules', enforcementStage: 'pre_prompt', enforcementMode: even(i) ? 'required' : 'advisory' }),
  },
];

export const basePath = (plugin: ScenarioPlugin['name']) => `/api/${plugin}_catalog/v1alpha1`;

/** Entities of the scratch source: the names stay, each apply changes their descriptions. */
export const SCRATCH_ENTITIES = 5;

export const entityName = (team: Team, plugin: ScenarioPlugin['name'], index: number) => `${team.token}-${plugin}-${String(index).padStart(5, '0')}`;
export const sourceId = (team: Team, plugin: ScenarioPlugin['name']) => `${team.token}-${plugin}`;
export const scratchSourceId = (team: Team) => `${team.token}-scratch`;
export const scratchName = (team: Team, index: number) => `${team.token}-scratch-${index}`;

/** The yaml document of the scratch source; `revision` changes only the descriptions. */
export function scratchContent(team: Team, revision: number): string {
  const lines = ['mcpservers:'];
  for (let i = 0; i < SCRATCH_ENTITIES; i++) {
    lines.push(`  - {name: ${scratchName(team, i)}, description: scratch revision ${revision}, serverUrl: 'stdio://${scratchName(team, i)}', deploymentMode: local}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Plain block yaml, one entity per item, which the server's fast yaml reader accepts. */
function documentOf(plural: string, entries: Record<string, unknown>[]): string {
  const items = entries.map((entry) => Object.entries(entry).map(([key, value], k) => `${k === 0 ? '  - ' : '    '}${key}: ${JSON.stringify(value)}`).join('\n'));
  return `${plural}:\n${items.join('\n')}\n`;
}

export interface TeamSource {
  plugin: ScenarioPlugin['name'];
  /** The body of `POST {base}/management/apply-source`. */
  body: { id: string; name: string; type: 'yaml'; properties: Record<string, string> };
}

/**
 * Writes every team's data files under `dir` (which must be a data root of the server,
 * CATALOG_DATA_ROOTS) and returns the sources that serve them, by namespace, plus the scratch source.
 */
export function writeTeamDataset(dir: string, perPlugin: number): Map<Team['namespace'], TeamSource[]> {
  const sources = new Map<Team['namespace'], TeamSource[]>();
  for (const team of TEAMS) {
    mkdirSync(join(dir, team.namespace), { recursive: true });
    const list: TeamSource[] = [];
    for (const plugin of SCENARIO_PLUGINS) {
      const entries = Array.from({ length: perPlugin }, (_, i) => ({ ...plugin.entry(entityName(team, plugin.name, i), i), description: `Item ${i} of the ${team.namespace} ${plugin.name} catalog.` }));
      const path = join(dir, team.namespace, `${plugin.name}.yaml`);
      writeFileSync(path, documentOf(plugin.plural, entries));
      list.push({ plugin: plugin.name, body: { id: sourceId(team, plugin.name), name: `${team.namespace} ${plugin.name}`, type: 'yaml', properties: { yamlCatalogPath: path } } });
    }
    list.push({ plugin: 'mcp', body: { id: scratchSourceId(team), name: `${team.namespace} scratch`, type: 'yaml', properties: { content: scratchContent(team, 0) } } });
    sources.set(team.namespace, list);
  }
  return sources;
}

/** Every name a full list of `plugin` in `team`'s namespace holds (the scratch source adds to mcp). */
export function expectedNames(team: Team, plugin: ScenarioPlugin['name'], perPlugin: number, evenOnly = false): string[] {
  const names: string[] = [];
  for (let i = 0; i < perPlugin; i++) if (!evenOnly || even(i)) names.push(entityName(team, plugin, i));
  if (plugin === 'mcp' && !evenOnly) for (let i = 0; i < SCRATCH_ENTITIES; i++) names.push(scratchName(team, i));
  return names;
}
