import assert from 'node:assert/strict';

/** Awaits a promise that must reject with an instance of `type`, and returns that error for further checks. */
export async function rejection<T extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected a ${type.name}, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the promise to reject');
}
