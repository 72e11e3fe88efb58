import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractLinks, linkKeys } from './links.js';

const AGENT_REFERENCES = [
  { field: 'tools[].skillRef', plugin: 'skills', kind: 'Skill' },
  { field: 'tools[].mcpToolRef', plugin: 'mcp', kind: 'McpServer' },
  { field: 'knowledge[].knowledgeSourceRef', plugin: 'knowledge', kind: 'KnowledgeSource' },
  { field: 'guardrails[].guardrailRef', plugin: 'guardrails', kind: 'Guardrail' },
  { field: 'dependencies[].agentRef', plugin: 'agents', kind: 'Agent' },
  { field: 'modelConfig.preferredModelRef', plugin: 'model', kind: 'CatalogModel' },
  { field: 'modelConfig.fallbackModelRefs[]', plugin: 'model', kind: 'CatalogModel' },
];

test('links follow the declared order, with tools[] rows taken together element by element', () => {
  const doc = {
    name: 'desk',
    tools: [{ mcpToolRef: 'directory-mcp', toolName: 'lookup_user' }, { skillRef: 'ticket-create' }, { skillRef: '' }],
    knowledge: [{ knowledgeSourceRef: 'kb' }],
    guardrails: [{ guardrailRef: 'pii' }, { guardrailRef: 'pii' }],
    modelConfig: { preferredModelRef: 'northwind/helm-8b-instruct', fallbackModelRefs: ['a/b', 'c/d'] },
  };
  assert.deepEqual(extractLinks(AGENT_REFERENCES, doc), [
    { kind: 'McpServer', plugin: 'mcp', name: 'directory-mcp', field: 'tools[0].mcpToolRef' },
    { kind: 'Skill', plugin: 'skills', name: 'ticket-create', field: 'tools[1].skillRef' },
    { kind: 'KnowledgeSource', plugin: 'knowledge', name: 'kb', field: 'knowledge[0].knowledgeSourceRef' },
    { kind: 'Guardrail', plugin: 'guardrails', name: 'pii', field: 'guardrails[0].guardrailRef' },
    { kind: 'Guardrail', plugin: 'guardrails', name: 'pii', field: 'guardrails[1].guardrailRef' },
    { kind: 'CatalogModel', plugin: 'model', name: 'northwind/helm-8b-instruct', field: 'modelConfig.preferredModelRef' },
    { kind: 'CatalogModel', plugin: 'model', name: 'a/b', field: 'modelConfig.fallbackModelRefs[0]' },
    { kind: 'CatalogModel', plugin: 'model', name: 'c/d', field: 'modelConfig.fallbackModelRefs[1]' },
  ]);
});

test('entities without reference values, and kinds without references, have no links', () => {
  assert.deepEqual(extractLinks(AGENT_REFERENCES, { name: 'x', tools: 'not-an-array', modelConfig: { preferredModelRef: 7 } }), []);
  assert.deepEqual(extractLinks(undefined, { name: 'x' }), []);
});

test('reverse-lookup keys are distinct Kind:name pairs', () => {
  const links = extractLinks(AGENT_REFERENCES, { guardrails: [{ guardrailRef: 'pii' }, { guardrailRef: 'pii' }], dependencies: [{ agentRef: 'triage' }] });
  assert.deepEqual(linkKeys(links), ['Guardrail:pii', 'Agent:triage']);
});
