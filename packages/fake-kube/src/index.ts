export { REQUEST_LOG_PATH, startFakeKube, type Fault, type FakeKube, type FakeKubeOptions, type RecordedRequest, type StoredKind } from './FakeKubeApiServer.js';
export { evaluateReview, type KubeObject, type ReviewAttributes, type RbacObjects } from './rbac.js';
export { MULTI_TENANT_RBAC } from './fixtures.js';
