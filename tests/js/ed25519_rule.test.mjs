// The browser's Ed25519 rule equals the server's (voting/crypto/ed25519.py + OpenSSL): the same
// keys are valid (full prime order only) and the same signatures verify. The vectors below are
// reproduced by tests/voting/test_ed25519_rule.py, which also feeds Python-made vectors to
// ed25519Verify through UNEVOIX_ED25519_VECTORS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ed25519 } from '../../static/vendor/noble/curves/ed25519.js';
import { credentialKeys, ed25519Verify, isFullOrderKey, signWithSeed } from '../../static/js/ballot/credential.mjs';
import { bytesToHex, utf8 } from '../../static/js/ballot/encoding.mjs';

const CRED = 'CN3n9-fs2mE-xcNR2-bwHYm';

test('credential keys: full order only', () => {
  const good = credentialKeys(CRED).publicHex;
  assert.equal(isFullOrderKey(good), true);
  assert.equal(isFullOrderKey('01' + '00'.repeat(31)), false, 'identity');
  assert.equal(isFullOrderKey('ec' + 'ff'.repeat(30) + '7f'), false, 'order 2');
  assert.equal(isFullOrderKey('ed' + 'ff'.repeat(30) + '7f'), false, 'y = p: not canonical');
  assert.equal(isFullOrderKey(good.toUpperCase()), false, 'uppercase hex');
  const torsion = ed25519.Point.fromHex('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05');
  assert.equal(isFullOrderKey(bytesToHex(torsion.toBytes())), false, 'order 8');
  const mixed = ed25519.Point.fromHex(good).add(torsion);
  assert.equal(isFullOrderKey(bytesToHex(mixed.toBytes())), false, 'mixed order');
});

test('signatures: the identity-key forgery fails; a real signature verifies', () => {
  const msg = utf8('any ballot at all');
  assert.equal(ed25519Verify('01' + '00'.repeat(31), '01' + '00'.repeat(63), msg), false);
  const { seed, publicHex } = credentialKeys(CRED);
  const sig = signWithSeed(seed, msg);
  assert.equal(ed25519Verify(publicHex, sig, msg), true);
  assert.equal(ed25519Verify(publicHex, sig, utf8('another')), false);
});

test('Python-made vectors get the same verdicts', () => {
  const path = process.env.UNEVOIX_ED25519_VECTORS;
  if (!path) return;
  const vectors = JSON.parse(fs.readFileSync(path, 'utf8'));
  const verdicts = {
    keys: vectors.keys.map((k) => isFullOrderKey(k.key)),
    signatures: vectors.signatures.map((v) => ed25519Verify(v.key, v.signature, Buffer.from(v.message, 'hex'))),
  };
  fs.writeFileSync(path + '.out', JSON.stringify(verdicts));
});
