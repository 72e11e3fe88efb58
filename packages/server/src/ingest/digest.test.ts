import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { canonicalJson, contentDigest, sha256Hex } from './digest.js';

describe('canonicalJson', () => {
  it('sorts object keys recursively, keeps array order and adds no whitespace', () => {
    const value = { b: 1, a: { d: [3, { z: 1, y: [2, 1] }], c: null }, 'k e y': 'v' };
    assert.equal(canonicalJson(value), '{"a":{"c":null,"d":[3,{"y":[2,1],"z":1}]},"b":1,"k e y":"v"}');
  });

  it('orders keys by UTF-16 code units, not by locale', () => {
    assert.equal(canonicalJson({ a: 1, B: 2, _: 3, é: 4, Z: 5 }), '{"B":2,"Z":5,"_":3,"a":1,"é":4}');
  });

  it('follows JSON.stringify for everything but key order', () => {
    assert.equal(canonicalJson({ b: undefined, a: [undefined, 1.5, -0, 'é\n"'] }), '{"a":[null,1.5,0,"é\\n\\""]}');
    assert.equal(canonicalJson('text'), '"text"');
    assert.throws(() => canonicalJson(undefined), TypeError);
  });

  it('orders integer-like keys as strings too ("10" before "9")', () => {
    assert.equal(canonicalJson({ 9: 'a', 10: 'b', x: { 200: 1, 1000: 2 } }), '{"10":"b","9":"a","x":{"1000":2,"200":1}}');
  });

  it('serializes toJSON results, boxed primitives and nested empties like JSON.stringify', () => {
    const when = new Date(Date.UTC(2026, 10, 29));
    assert.equal(canonicalJson({ when, n: Object(2), s: Object('t'), e: {}, l: [], f: () => 1 }), '{"e":{},"l":[],"n":2,"s":"t","when":"2026-11-29T00:00:00.000Z"}');
    assert.equal(canonicalJson([Number.NaN, Infinity, () => 1, Symbol('x')]), '[null,null,null,null]');
    assert.throws(() => canonicalJson({ big: 1n }), TypeError);
  });

  it('agrees with sorting through JSON.stringify on documents without integer-like keys', () => {
    const sorted = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (_k, v: unknown) =>
      v === null || typeof v !== 'object' || Array.isArray(v) ? v : Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))));
    const doc = parse('name: a\ndescription: "quote \\" and \\u00e9"\ntools:\n  - {z: 1, a: [true, null, 1.25e-7]}\nmeta: {b: {d: 1, c: 2}, a: ""}\n');
    assert.equal(canonicalJson(doc), JSON.stringify(sorted(doc)));
  });

  it('keeps a "__proto__" key as data', () => {
    assert.equal(canonicalJson(JSON.parse('{"z":1,"__proto__":{"x":2}}')), '{"__proto__":{"x":2},"z":1}');
  });
});

describe('sha256Hex', () => {
  it('hashes strings as UTF-8 and agrees with byte input', () => {
    const expected = createHash('sha256').update(Buffer.from([0xc3, 0xa9])).digest('hex');
    assert.equal(sha256Hex('é'), expected);
    assert.equal(sha256Hex(Buffer.from('é', 'utf8')), expected);
    assert.match(expected, /^[0-9a-f]{64}$/);
  });
});

describe('contentDigest', () => {
  it('is the SHA-256 of the canonical JSON', () => {
    assert.equal(contentDigest({}), '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
    assert.equal(contentDigest({ b: 1, a: 2 }), sha256Hex('{"a":2,"b":1}'));
  });

  it('is stable across key order, formatting and a JSONB-like round trip', () => {
    const fromYaml = parse('name: a\ntools:\n  - {required: true, skillRef: s}\ncustomProperties: {y: 1, x: [1, 2]}\n');
    const reordered = { customProperties: { x: [1, 2], y: 1 }, tools: [{ skillRef: 's', required: true }], name: 'a' };
    assert.equal(contentDigest(fromYaml), contentDigest(reordered));
    assert.equal(contentDigest(JSON.parse(JSON.stringify(reordered, null, 2))), contentDigest(fromYaml));
  });

  it('changes when content changes', () => {
    assert.notEqual(contentDigest({ name: 'a', tools: [1, 2] }), contentDigest({ name: 'a', tools: [2, 1] }));
    assert.notEqual(contentDigest({ name: 'a' }), contentDigest({ name: 'a', description: '' }));
  });
});
