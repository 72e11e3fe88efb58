import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { StartupError } from '../../errors.js';
import { loadApprovalPolicies } from './loadApprovalPolicies.js';
import { DEFAULT_GOVERNANCE_CONFIG, loadGovernanceConfig } from './loadGovernanceConfig.js';

const dir = mkdtempSync(join(tmpdir(), 'governance-config-'));
let counter = 0;
function file(text: string): string {
  const path = join(dir, `file-${counter++}.yaml`);
  writeFileSync(path, text);
  return path;
}
async function rejects(load: Promise<unknown>, pattern: RegExp, path?: string) {
  await assert.rejects(load, (error: Error) => {
    assert.ok(error instanceof StartupError, error.message);
    assert.match(error.message, pattern);
    if (path) assert.ok(error.message.startsWith(path), error.message);
    return true;
  });
}

test('governance.yaml: defaults, protected default, validation (06 §2.2)', async () => {
  assert.deepEqual(await loadGovernanceConfig(join(dir, 'missing.yaml')), DEFAULT_GOVERNANCE_CONFIG);
  assert.deepEqual(await loadGovernanceConfig(file('environments: [dev, qa, live]\n')), {
    environments: ['dev', 'qa', 'live'], protectedEnvironments: ['qa', 'live'], trustedSources: [], auditRetentionDays: null,
  });
  const full = await loadGovernanceConfig(file('environments: [a, b]\nprotectedEnvironments: []\ntrustedSources: [x]\nauditRetention: {days: 30}\n'));
  assert.deepEqual(full, { environments: ['a', 'b'], protectedEnvironments: [], trustedSources: ['x'], auditRetentionDays: 30 });
  const bad = file('environments: [dev]\nprotectedEnvironments: [prod]\n');
  await rejects(loadGovernanceConfig(bad), /:2:\d+: protected environment "prod" is not one of the environments \(dev\)/, bad);
  await rejects(loadGovernanceConfig(file('environments: [Dev]\n')), /environment "Dev" is not a DNS label/);
  await rejects(loadGovernanceConfig(file('environments: [a, a]\n')), /listed twice/);
  await rejects(loadGovernanceConfig(file('environments: []\n')), /must not be empty/);
  await rejects(loadGovernanceConfig(file('colour: red\n')), /:1:1: unknown key "colour"/);
  await rejects(loadGovernanceConfig(file('auditRetention: {days: 0}\n')), /auditRetention.days must be an integer >= 1/);
  await rejects(loadGovernanceConfig(file('environments: [dev\n')), /invalid YAML/);
});

test('approval policies: defaults, appliesTo and every fatal error (06 §2.3, §17 item 40)', async () => {
  const envs = ['dev', 'stage', 'prod'];
  assert.deepEqual(await loadApprovalPolicies(join(dir, 'missing.yaml'), envs), []);
  assert.deepEqual(await loadApprovalPolicies(file('policies: []\n'), envs), []);
  assert.deepEqual(await loadApprovalPolicies(file(''), envs), []);
  const [lifecycle, promotion] = await loadApprovalPolicies(file(`policies:
  - id: a
    selector: {transitions: [{from: "*", to: archived}]}
  - {id: b.c, enabled: true, selector: {environments: ["*"]}, gate: {requiredCount: 2, allowedRoles: [x], denyOnFirst: true}, expiryHours: 5}
`), envs);
  assert.deepEqual(lifecycle, {
    id: 'a', displayName: 'a', enabled: false,
    selector: { plugins: [], kinds: [], riskLevels: [], transitions: [{ from: '*', to: 'archived' }], environments: [] },
    gate: { requiredCount: 1, allowedRoles: [], denyOnFirst: false }, expiryHours: 0, appliesTo: 'lifecycle',
  });
  assert.equal(promotion.appliesTo, 'promotion');
  assert.deepEqual(promotion.gate, { requiredCount: 2, allowedRoles: ['x'], denyOnFirst: true });

  const cases: [string, RegExp][] = [
    ['policies:\n  - id: a\n    selector: {transitions: [{from: draft, to: approved}]\n', /invalid YAML/],
    ['policies:\n  - id: a\n    approvers: 2\n', /:3:5: unknown key "approvers"/],
    ['policies:\n  - id: a\n    selector: {riskLevels: [severe]}\n', /unknown risk level "severe"/],
    ['policies:\n  - id: a\n    selector: {environments: [production]}\n', /unknown environment "production" \(configured: dev, stage, prod\)/],
    ['policies:\n  - id: a\n    selector: {environments: [prod], transitions: [{from: draft, to: approved}]}\n', /cannot select both/],
    ['policies:\n  - id: a\n    selector: {transitions: [{from: draft, to: published}]}\n', /transition to must be a lifecycle state/],
    ['policies:\n  - id: a\n  - id: a\n', /policy id "a" is used twice/],
    ['policies:\n  - id: A!\n', /policy id is required/],
    ['policies:\n  - id: a\n    gate: {requiredCount: 21}\n', /requiredCount must be an integer from 1 to 20/],
    ['policies:\n  - id: a\n    expiryHours: -1\n', /expiryHours must be an integer >= 0/],
    ['rules: []\n', /unknown key "rules"/],
  ];
  for (const [text, pattern] of cases) {
    const path = file(text);
    await rejects(loadApprovalPolicies(path, envs), pattern, path);
  }
});
