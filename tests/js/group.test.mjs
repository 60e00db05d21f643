import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as g from '../../static/js/ballot/group.mjs';

test('generator and order', () => {
  assert.equal(g.elementToHex(g.G), '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
  assert.equal(g.ORDER, 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n);
  assert.equal(g.elementToHex(g.baseMul(2n)), '02c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee5');
  assert.ok(g.isIdentity(g.baseMul(g.ORDER)));
  assert.ok(g.isIdentity(g.baseMul(0n)));
  assert.ok(g.eq(g.baseMul(-1n), g.neg(g.G)));
});

test('element encoding round trip and validation', () => {
  for (const k of [1n, 2n, 3n, 12345n, g.ORDER - 1n]) {
    const P = g.baseMul(k);
    assert.ok(g.eq(g.elementFromHex(g.elementToHex(P)), P));
  }
  const id = g.elementToHex(g.IDENTITY);
  assert.equal(id.length, 66);
  assert.throws(() => g.elementFromHex(id), /identity/);
  assert.ok(g.isIdentity(g.elementFromHex(id, { allowIdentity: true })));
  const G = g.elementToHex(g.G);
  assert.throws(() => g.elementFromHex(G.toUpperCase()));
  assert.throws(() => g.elementFromHex('04' + G.slice(2)));
  assert.throws(() => g.elementFromHex(G.slice(0, 64)));
  // x = p (non-canonical) and an x with no point on the curve
  assert.throws(() => g.elementFromHex('02' + g.FIELD.toString(16)));
  assert.throws(() => g.elementFromHex('02' + '00'.repeat(31) + '05'));
});

test('scalar encoding', () => {
  assert.equal(g.scalarToHex(1n), '00'.repeat(31) + '01');
  assert.equal(g.scalarFromHex('00'.repeat(31) + '01'), 1n);
  assert.throws(() => g.scalarFromHex(g.ORDER.toString(16)));
  assert.throws(() => g.scalarToHex(g.ORDER));
  assert.throws(() => g.scalarFromHex('1'));
  const r = g.randomScalar();
  assert.ok(r > 0n && r < g.ORDER);
});

test('precomputed base gives the same results', () => {
  const Y = g.baseMul(987654321n);
  const Yp = g.precomputed(Y);
  for (const k of [1n, 7n, g.ORDER - 2n, 0n]) assert.ok(g.eq(g.mul(Y, k), g.mul(Yp, k)));
});
