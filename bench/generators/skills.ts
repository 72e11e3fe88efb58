import { K8S_VERBS, RISK_LEVELS, SKILL_TYPES } from '@catalog/plugin-skills';
import {
  EntryKit,
  identityOf,
  openCustomProperties,
  REFERENCE_SHARE,
  toolName,
  type Entry,
  type Identity,
  type PluginGenerator,
} from './common.js';
import { Zipf } from './random.js';
import { ACTIONS, capitalize } from './text.js';

/** Kubernetes resources with their API group ("" is the core group) and a subresource some skills use. */
const RESOURCES = [
  { resource: 'deployments', apiGroup: 'apps', subresource: 'scale' },
  { resource: 'pods', apiGroup: '', subresource: 'log' },
  { resource: 'configmaps', apiGroup: '' },
  { resource: 'jobs', apiGroup: 'batch' },
  { resource: 'services', apiGroup: '' },
  { resource: 'statefulsets', apiGroup: 'apps', subresource: 'scale' },
  { resource: 'cronjobs', apiGroup: 'batch' },
] as const;
const COMMANDS = ['/usr/local/bin/report-tool', 'python3', 'kubectl', '/opt/tools/export.sh'];
const ENVIRONMENTS = ['kubernetes', 'openshift', 'local', 'vm'];
const NAMESPACES = ['team-a', 'team-b', 'staging', 'production'];

/** Skill entries (spec 02 §9.1), each with the `execution` keys its skill type requires. */
export const skillsGenerator: PluginGenerator = {
  identity: (random, index) => identityOf(random, index, ACTIONS, (topic, action) => `${action}-${topic.slug}`),

  entries(random, targets) {
    const kit = new EntryKit(random);
    const types = new Zipf(SKILL_TYPES);
    const resources = new Zipf(RESOURCES);
    const verbs = new Zipf(K8S_VERBS);
    const risks = new Zipf(RISK_LEVELS);
    const servers = targets.mcp;
    // Only mcp_tool skills can reference (an MCP server), so they do it often enough for about
    // REFERENCE_SHARE of all skills; the others are catalogued before their executor is wired up
    // and carry no `execution`, because theirs would need an `mcpServerRef`.
    const referenceChance = Math.min(1, REFERENCE_SHARE / types.probability(SKILL_TYPES.indexOf('mcp_tool')));

    const execution = (type: (typeof SKILL_TYPES)[number], identity: Identity): Entry | undefined => {
      const { topic, variant } = identity;
      const executorType = random.chance(0.5) ? { executorType: type } : {};
      switch (type) {
        case 'mcp_tool':
          if (!servers || !random.chance(referenceChance)) return undefined;
          return { ...executorType, mcpServerRef: servers.pick(random), toolName: toolName(random, topic) };
        case 'openapi_operation': {
          const result: Entry = { ...executorType, operationId: `${variant}${capitalize(topic.slug)}` };
          if (random.chance(0.7)) result.openapiRef = `https://api.example.com/${topic.slug}/openapi.yaml`;
          if (random.chance(0.6)) result.baseUrl = `https://api.example.com/${topic.slug}/v1`;
          return result;
        }
        case 'k8s_action': {
          const target = resources.draw(random);
          const result: Entry = { ...executorType, resource: target.resource, verb: verbs.draw(random) };
          if (random.chance(0.8)) result.apiGroup = target.apiGroup;
          if ('subresource' in target && random.chance(0.3)) result.subresource = target.subresource;
          return result;
        }
        default: {
          const result: Entry = { ...executorType, command: random.pick(COMMANDS) };
          if (random.chance(0.8)) result.args = ['--topic', topic.slug, '--format', random.pick(['json', 'csv', 'text'])];
          if (random.chance(0.4)) result.env = { LOG_LEVEL: random.pick(['info', 'debug', 'warn']), REGION: random.pick(['eu-west', 'us-east']) };
          if (random.chance(0.5)) result.workingDir = '/workspace';
          return result;
        }
      }
    };

    return (identity: Identity): Entry => {
      const { name, topic } = identity;
      const entry = kit.start(name, topic, 'skill');
      const type = types.draw(random);
      entry.skillType = type;
      kit.maybe(entry, 'inputSchema', 0.7, () => kit.objectSchema([`${topic.slug}Id`, 'reason', 'limit'], random.int(1, 2)));
      kit.maybe(entry, 'outputSchema', 0.4, () => kit.objectSchema(['status', 'summary', 'itemCount'], 1));
      const executionObject = type === 'mcp_tool' || random.chance(0.85) ? execution(type, identity) : undefined;
      if (executionObject) entry.execution = executionObject;
      kit.maybe(entry, 'safety', 0.8, () => {
        const riskLevel = risks.draw(random);
        const safety: Entry = {
          riskLevel,
          requiresApproval: riskLevel === 'high' || (riskLevel === 'medium' && random.chance(0.4)),
          networkAccessRequired: random.chance(0.6),
        };
        if (random.chance(0.25)) safety.secretRefs = [`${topic.slug}-api-token`];
        if (random.chance(0.3)) safety.allowedNamespaces = random.sample(NAMESPACES, random.int(1, 2));
        return safety;
      });
      kit.maybe(entry, 'rateLimit', 0.4, () => ({
        maxCallsPerMinute: random.pick([6, 30, 60, 120, 600]),
        ...(random.chance(0.6) ? { maxConcurrent: random.int(1, 10) } : {}),
      }));
      kit.maybe(entry, 'timeoutSeconds', 0.7, () => random.pick([10, 30, 60, 120, 300]));
      kit.maybe(entry, 'retryPolicy', 0.35, () => ({ maxRetries: random.int(0, 5), backoffSeconds: random.pick([0.5, 1, 2, 5]) }));
      kit.maybe(entry, 'compatibility', 0.35, () => ({
        supportedEnvironments: random.sample(ENVIRONMENTS, random.int(1, 3)),
        ...(random.chance(0.3) ? { minKubernetesVersion: random.pick(['1.28', '1.29', '1.30']) } : {}),
      }));
      kit.authorship(entry, topic);
      return kit.finish(entry, () => openCustomProperties(kit, topic));
    };
  },
};
