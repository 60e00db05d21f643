// JS side of tests/voting/test_x25519_dh_proof.py: the browser's proof that a revealed X25519
// shared secret is the true one equals Python's byte for byte, and refuses every forgery of the
// shared vectors (tests/voting/fixtures/x25519_dh_vectors.json), the torsion attack included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { x25519 } from '../../static/vendor/noble/curves/ed25519.js';
import { bytesToHex, hexToBytes } from '../../static/js/ballot/encoding.mjs';
import { isPrimeOrderU, proveX25519Dh, verifyX25519Dh } from '../../static/js/scrutineer/x25519-proof.mjs';

const V = JSON.parse(fs.readFileSync(new URL('../voting/fixtures/x25519_dh_vectors.json', import.meta.url), 'utf8'));

test('x25519 proof: honest proofs are Python\'s, byte for byte, and verify', () => {
  for (const v of V.honest) {
    assert.equal(bytesToHex(x25519.getSharedSecret(hexToBytes(v.secret), hexToBytes(v.ephemeral))), v.shared_secret);
    assert.deepEqual(proveX25519Dh(v.context, v.secret, v.encryption_key, v.ephemeral),
      { shared: v.shared_secret, proof: v.proof });
    assert.equal(verifyX25519Dh(v.context, v.encryption_key, v.ephemeral, v.shared_secret, v.proof), true);
    assert.equal(isPrimeOrderU(v.ephemeral), true);
  }
  const b = V.base;
  assert.equal(verifyX25519Dh(b.context, b.encryption_key, b.ephemeral, b.shared_secret, b.proof), true);
});

test('x25519 proof: every forgery is refused', () => {
  for (const v of V.forged) {
    assert.equal(verifyX25519Dh(v.context, v.encryption_key, v.ephemeral, v.shared_secret, v.proof), false, v.why);
  }
  assert.equal(isPrimeOrderU('00'.repeat(32)), false, 'u = 0');
  assert.equal(isPrimeOrderU('01' + '00'.repeat(31)), false, 'u = 1');
  assert.throws(() => proveX25519Dh(V.base.context, V.honest[0].secret, V.honest[0].encryption_key, '00'.repeat(32)));
});
