import type { FastifyInstance } from 'fastify';
import type { Authorizer } from '../../authz/Authorizer.js';
import type { GovernanceContext } from '../GovernanceContext.js';
import { registerApprovalRoutes } from './approvalRoutes.js';
import { registerAssetRoutes } from './assetRoutes.js';

/** Every route under `/api/governance/v1alpha1` (spec 06). */
export function registerGovernanceRoutes(app: FastifyInstance, ctx: GovernanceContext, authorizer: Authorizer): void {
  registerAssetRoutes(app, ctx);
  registerApprovalRoutes(app, ctx, authorizer);
}
