import assert from 'node:assert/strict';
import { test } from 'node:test';
import { availableCpus, cgroupCpuQuota } from './availableCpus.js';

/** A file system holding exactly `files`; any other path is missing, as on a host without that cgroup version. */
const files = (entries: Record<string, string>) => (path: string) => {
  if (!(path in entries)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return entries[path];
};

test('cgroup v2 cpu.max: a quota caps the CPUs, rounded down and at least one', () => {
  assert.equal(availableCpus(files({ '/sys/fs/cgroup/cpu.max': '100000 100000\n' }), 32), 1);
  assert.equal(availableCpus(files({ '/sys/fs/cgroup/cpu.max': '250000 100000\n' }), 32), 2);
  assert.equal(availableCpus(files({ '/sys/fs/cgroup/cpu.max': '50000 100000\n' }), 32), 1, 'half a CPU still runs one thread');
  assert.equal(availableCpus(files({ '/sys/fs/cgroup/cpu.max': '800000 100000\n' }), 4), 4, 'never above the CPUs it may run on');
  assert.equal(cgroupCpuQuota(files({ '/sys/fs/cgroup/cpu.max': '150000 100000' })), 1.5);
});

test('cgroup v2 without a limit, cgroup v1 CFS files, and no cgroup at all', () => {
  assert.equal(availableCpus(files({ '/sys/fs/cgroup/cpu.max': 'max 100000\n' }), 8), 8);
  const v1 = (quota: string) => files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': `${quota}\n`, '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n' });
  assert.equal(availableCpus(v1('300000'), 16), 3);
  assert.equal(availableCpus(v1('-1'), 16), 16, '-1 is no limit');
  assert.equal(availableCpus(files({}), 6), 6);
});

test('unreadable or malformed quota files count as no limit, never as a guess', () => {
  assert.equal(availableCpus(files({ '/sys/fs/cgroup/cpu.max': 'garbage\n' }), 6), 6);
  assert.equal(availableCpus(files({ '/sys/fs/cgroup/cpu.max': '0 100000' }), 6), 6);
  assert.equal(availableCpus(files({ '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '200000' }), 6), 6, 'a quota without its period');
});

test('this machine: a whole number of CPUs between one and the available parallelism', () => {
  const cpus = availableCpus();
  assert.ok(Number.isInteger(cpus) && cpus >= 1, String(cpus));
});
