import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPath, pointerSegments, rejectionPathSegments, typedSegments } from './entryPath.js';

describe('formatPath', () => {
  it('renders keys with dots and indexes in brackets', () => {
    assert.equal(formatPath(['agents', 3, 'agentType']), 'agents[3].agentType');
    assert.equal(formatPath(['agents', 0, 'tools', 2, 'skillRef']), 'agents[0].tools[2].skillRef');
    assert.equal(formatPath(['agents', 1]), 'agents[1]');
  });

  it('quotes keys that would be ambiguous', () => {
    assert.equal(formatPath(['x', 0, 'customProperties', 'a.b']), 'x[0].customProperties["a.b"]');
    assert.equal(formatPath(['x', 0, 'my key']), 'x[0]["my key"]');
    assert.equal(formatPath(['x', 0, '0']), 'x[0]["0"]');
    assert.equal(formatPath(['x', 0, 'data-class']), 'x[0].data-class');
  });
});

describe('path parsing', () => {
  it('unescapes JSON pointers', () => {
    assert.deepEqual(pointerSegments(''), []);
    assert.deepEqual(pointerSegments('/a~1b/c~0d/0'), ['a/b', 'c~d', '0']);
  });

  it('accepts the path notations plugin authors use in EntryRejection', () => {
    const expected = ['tools', '2', 'skillRef'];
    assert.deepEqual(rejectionPathSegments('tools[2].skillRef'), expected);
    assert.deepEqual(rejectionPathSegments('tools.2.skillRef'), expected);
    assert.deepEqual(rejectionPathSegments('/tools/2/skillRef'), expected);
    assert.deepEqual(rejectionPathSegments('execution'), ['execution']);
  });

  it('types tokens as indexes only where the value holds an array', () => {
    const value = { tools: [{ skillRef: 'a' }, { skillRef: 'b' }], map: { 0: 'zero' } };
    assert.deepEqual(typedSegments(value, ['tools', '1', 'skillRef']), ['tools', 1, 'skillRef']);
    assert.deepEqual(typedSegments(value, ['map', '0']), ['map', '0']);
    assert.deepEqual(typedSegments(value, ['missing', '0']), ['missing', '0']);
  });
});
