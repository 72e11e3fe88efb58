#!/usr/bin/env node
/**
 * `fake-kube --rbac <file.yaml> [--port 0] [--tls]` (or `npm run fake-kube -- …` from the repository root): runs the fake Kubernetes API server for
 * manual tries (spec 05 §9) and prints its URL and kubeconfig path; Ctrl-C stops it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startFakeKube } from './FakeKubeApiServer.js';
import { MULTI_TENANT_RBAC } from './fixtures.js';

const { values } = parseArgs({ options: { rbac: { type: 'string' }, port: { type: 'string', default: '0' }, tls: { type: 'boolean', default: false } } });
const kube = await startFakeKube({ rbac: values.rbac ? readFileSync(values.rbac, 'utf8') : MULTI_TENANT_RBAC, port: Number(values.port), tls: values.tls });
console.log(JSON.stringify({ url: kube.url, kubeconfigPath: kube.kubeconfigPath }));
process.on('SIGINT', () => void kube.close().then(() => process.exit(0)));
process.on('SIGTERM', () => void kube.close().then(() => process.exit(0)));
