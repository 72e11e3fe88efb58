import { readFileSync } from 'node:fs';

/** The multi-tenant RBAC fixture of spec 05 §9 (alice via group team-a-engineers, bob, victor, carol, ops-admin; mallory unbound). */
export const MULTI_TENANT_RBAC = readFileSync(new URL('../fixtures/multi-tenant-rbac.yaml', import.meta.url), 'utf8');
