import { AGENT_TYPES, GUARDRAIL_ENFORCEMENT_MODES, POLICY_ENFORCEMENT_MODES } from '@catalog/plugin-agents';
import {
  EntryKit,
  identityOf,
  openCustomProperties,
  REFERENCE_SHARE,
  toolName,
  type Entry,
  type Identity,
  type PluginGenerator,
  type Targets,
} from './common.js';
import { NamePicker, Random, Zipf } from './random.js';

const VARIANTS = ['assistant', 'agent', 'copilot', 'helper', 'desk', 'concierge', 'operator', 'analyst'];
const CATEGORIES = ['customer-service', 'operations', 'development', 'finance', 'security', 'data', 'people', 'sales'];
const PROMPT_ROLES = ['system', 'user', 'summary'];
const DEPENDENCY_ROLES = ['triage', 'research', 'review', 'execution', 'reporting'];
/** Agent types that orchestrate others, and so usually have dependencies when they have references. */
const ORCHESTRATORS: ReadonlySet<string> = new Set(['router', 'planner']);

/**
 * The reference arrays of one agent (spec 02 §6.1), each set only when its target plugin is being
 * generated, so every reference names a generated entity of the same namespace.
 *
 * `modelConfig.preferredModelRef` and `fallbackModelRefs` are never set: the model plugin has no
 * generator yet, and a reference to a model that is not generated would dangle.
 */
class AgentReferences {
  private readonly guardrailModes = new Zipf(GUARDRAIL_ENFORCEMENT_MODES);
  private readonly policyModes = new Zipf(POLICY_ENFORCEMENT_MODES);

  constructor(
    private readonly random: Random,
    private readonly targets: Targets,
  ) {}

  /** Sets at least one reference array on `entry` (when any target exists); returns whether it did. */
  apply(entry: Entry, identity: Identity, agentType: string): boolean {
    const r = this.random;
    const { skills, mcp, knowledge, guardrails, policies, prompts, agents } = this.targets;
    // Dependencies point only at earlier agents: never the agent itself, and never a cycle, so the
    // orchestrations form trees several levels deep, as real ones do.
    const earlierAgents = agents && identity.index > 0 ? agents : undefined;
    const families: { key: string; target: NamePicker | undefined; chance: number; build: () => Entry[] }[] = [
      { key: 'tools', target: skills ?? mcp, chance: 0.8, build: () => this.tools(identity) },
      { key: 'knowledge', target: knowledge, chance: 0.5, build: () => this.refs(knowledge!, 3, (name) => this.knowledgeRef(name)) },
      { key: 'guardrails', target: guardrails, chance: 0.5, build: () => this.refs(guardrails!, 3, (name) => this.guardrailRef(name)) },
      { key: 'policies', target: policies, chance: 0.4, build: () => this.refs(policies!, 2, (name) => this.policyRef(name)) },
      {
        key: 'promptRefs',
        target: prompts,
        chance: 0.5,
        build: () => this.refs(prompts!, 2, (promptTemplateRef) => (r.chance(0.6) ? { promptTemplateRef, role: r.pick(PROMPT_ROLES) } : { promptTemplateRef })),
      },
      {
        key: 'dependencies',
        target: earlierAgents,
        chance: ORCHESTRATORS.has(agentType) ? 0.8 : 0.15,
        build: () =>
          earlierAgents!
            .pickDistinct(r, r.int(1, 3), identity.index)
            .map((agentRef) => (r.chance(0.7) ? { agentRef, role: r.pick(DEPENDENCY_ROLES) } : { agentRef })),
      },
    ];
    const available = families.filter((family) => family.target !== undefined && family.target.size > 0);
    if (available.length === 0) return false;
    const chosen = available.filter((family) => r.chance(family.chance));
    // An agent picked to carry references carries at least one.
    if (chosen.length === 0) chosen.push(available[0]);
    for (const family of chosen) entry[family.key] = family.build();
    return true;
  }

  /** One to three distinct targets of a picker, each turned into a reference object. */
  private refs(picker: NamePicker, max: number, build: (name: string) => Entry): Entry[] {
    return picker.pickDistinct(this.random, this.random.skewedInt(1, max)).map(build);
  }

  /** Exactly one of `skillRef`/`mcpToolRef` per tool, and `toolName` only with `mcpToolRef` (the agents normalize hook). */
  private tools(identity: Identity): Entry[] {
    const r = this.random;
    const { skills, mcp } = this.targets;
    return Array.from({ length: r.skewedInt(1, 4) }, () => {
      const tool: Entry = {};
      if (skills && (!mcp || r.chance(0.6))) {
        tool.skillRef = skills.pick(r);
      } else {
        tool.mcpToolRef = mcp!.pick(r);
        if (r.chance(0.8)) tool.toolName = toolName(r, identity.topic);
      }
      if (r.chance(0.5)) tool.required = r.chance(0.6);
      if (r.chance(0.3)) tool.timeout = r.pick([10, 30, 60, 120]);
      return tool;
    });
  }

  private knowledgeRef(knowledgeSourceRef: string): Entry {
    const r = this.random;
    if (!r.chance(0.5)) return { knowledgeSourceRef };
    return { knowledgeSourceRef, retrievalHints: { topK: r.pick([3, 5, 8, 10, 20]), ...(r.chance(0.3) ? { minScore: 0.7 } : {}) } };
  }

  private guardrailRef(guardrailRef: string): Entry {
    return this.random.chance(0.7) ? { guardrailRef, enforcementMode: this.guardrailModes.draw(this.random) } : { guardrailRef };
  }

  private policyRef(policyRef: string): Entry {
    return this.random.chance(0.7) ? { policyRef, enforcementMode: this.policyModes.draw(this.random) } : { policyRef };
  }
}

/** Agent entries (spec 02 §6.1); about REFERENCE_SHARE of them reference other generated entities. */
export const agentsGenerator: PluginGenerator = {
  identity: (random, index) => identityOf(random, index, VARIANTS),

  entries(random, targets) {
    const kit = new EntryKit(random);
    const types = new Zipf(AGENT_TYPES);
    const categories = new Zipf(CATEGORIES);
    const references = new AgentReferences(random, targets);

    return (identity: Identity): Entry => {
      const { name, topic } = identity;
      const entry = kit.start(name, topic, 'agent');
      const agentType = types.draw(random);
      entry.agentType = agentType;
      // One to twenty-four rules after the opening: most agents have short instructions, a few long ones.
      kit.maybe(entry, 'instructions', 0.75, () => kit.text.instructions(topic, random.skewedInt(1, 24)));
      kit.authorship(entry, topic);
      kit.maybe(entry, 'category', 0.85, () => categories.draw(random));
      kit.maybe(entry, 'modelConfig', 0.6, () => {
        const modelConfig: Entry = { maxTokens: random.pick([512, 1024, 2048, 4096, 8192]) };
        if (random.chance(0.8)) modelConfig.temperature = Math.round(random.next() * 12) / 10;
        if (random.chance(0.4)) modelConfig.topP = random.pick([0.8, 0.9, 0.95, 1]);
        return modelConfig;
      });
      if (random.chance(REFERENCE_SHARE)) references.apply(entry, identity, agentType);
      kit.maybe(entry, 'inputSchema', 0.25, () => kit.objectSchema(['request', `${topic.slug}Id`, 'priority'], 1));
      kit.maybe(entry, 'outputSchema', 0.2, () => kit.objectSchema(['answer', 'sources', 'followUp'], 1));
      kit.maybe(entry, 'examples', 0.15, () =>
        Array.from({ length: random.int(1, 2) }, () => ({ input: kit.text.describingSentence(topic), output: kit.text.describingSentence(topic) })),
      );
      return kit.finish(entry, () => openCustomProperties(kit, topic));
    };
  },
};
