import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestServer } from './testServer.js';

export const GOV = '/api/governance/v1alpha1';
export const AGENT = `${GOV}/assets/agents/Agent/service-desk-assistant`;

export interface Caller {
  user?: string;
  groups?: string[];
  namespace?: string;
}

/** JSON requests against a test server as a given identity (X-Remote-User / X-Remote-Group). */
export function governanceClient(server: TestServer) {
  return async (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, caller: Caller = {}, body?: unknown) => {
    const headers: Record<string, string> = {};
    if (caller.user) headers['x-remote-user'] = caller.user;
    if (caller.groups) headers['x-remote-group'] = caller.groups.join(',');
    if (caller.namespace) headers['x-namespace'] = caller.namespace;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await server.inject({ method, url, headers, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
    return { status: response.statusCode, body: response.body === '' ? undefined : (JSON.parse(response.body) as Record<string, any>), headers: response.headers };
  };
}

/** Writes governance files into a fresh directory and returns the env that points the server at them. */
export function governanceEnv(files: { governance?: string; policies?: string }): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'catalog-governance-'));
  const env: Record<string, string> = {
    CATALOG_GOVERNANCE_CONFIG: join(dir, 'governance.yaml'),
    CATALOG_APPROVAL_POLICIES: join(dir, 'approval-policies.yaml'),
  };
  if (files.governance !== undefined) writeFileSync(env.CATALOG_GOVERNANCE_CONFIG, files.governance);
  if (files.policies !== undefined) writeFileSync(env.CATALOG_APPROVAL_POLICIES, files.policies);
  return env;
}

/** A sources file serving only the bundled sample agents (fast to load). */
export function agentsSources(dataFile: string, enabled = true): string {
  return `catalogs:
  agents:
    sources:
      - {id: agents-samples, name: Sample Agents, type: yaml, enabled: ${enabled}, properties: {yamlCatalogPath: ${JSON.stringify(dataFile)}}}
`;
}
