import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PluginDeclaration } from '@catalog/framework';
import type { Authorizer } from '../authz/Authorizer.js';
import { loadBundledPlugins, REPOSITORY_ROOT } from '../bundledPlugins.js';

export const MCP = '/api/mcp_catalog/v1alpha1';
export const PROMPTS = '/api/prompts_catalog/v1alpha1';
export const EVENTS = '/api/audit/v1alpha1/events';

/** Sample sources for the mcp and prompts catalogs, from the plugins' own bundled data. */
export const AUDIT_FILES = {
  'sources.yaml': `catalogs:
  mcp:
    sources:
      - {id: mcp-samples, name: MCP samples, type: yaml, properties: {yamlCatalogPath: data/mcp.yaml}}
  prompts:
    sources:
      - {id: prompt-samples, name: Prompt samples, type: yaml, properties: {yamlCatalogPath: data/prompts.yaml}}
`,
  'data/mcp.yaml': readFileSync(join(REPOSITORY_ROOT, 'plugins/mcp/data/mcp-servers.yaml'), 'utf8'),
  'data/prompts.yaml': readFileSync(join(REPOSITORY_ROOT, 'plugins/prompts/data/prompt-templates.yaml'), 'utf8'),
};

export async function auditPlugins(): Promise<PluginDeclaration[]> {
  return (await loadBundledPlugins()).filter((p) => p.name === 'mcp' || p.name === 'prompts');
}

/**
 * A scripted authorizer: mallory is denied everything, and only ops-admin (and the anonymous
 * caller of single-mode tests) may read at cluster scope.
 */
export const scriptedAuthorizer: Authorizer = {
  mode: 'role',
  denialReason: '',
  allows: async (identity, check) => {
    if (identity.user === 'mallory') return false;
    if (check.namespace === null) return identity.user === 'ops-admin';
    return true;
  },
};

export function json(response: { body: string }) {
  return JSON.parse(response.body) as Record<string, any>;
}

export const jsonHeaders = (user = 'alice', extra: Record<string, string> = {}) => ({
  'content-type': 'application/json',
  'x-remote-user': user,
  'x-remote-group': 'team-a-engineers',
  ...extra,
});
