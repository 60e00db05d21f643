// JS side of tests/voting/test_js_scrutineer.py (the browser scrutineer,
// static/js/scrutineer/, against voting/crypto/dkg.py and voting/trustee.py).
//
// The pytest test writes a JSON file and runs
//   UNEVOIX_SCRUTINEER_IN=in.json UNEVOIX_SCRUTINEER_OUT=out.json node --test tests/js/scrutineer_interop.test.mjs
// with in.phase one of:
//   vectors     reproduce Python's identities, step 1, step 2 and partial
//               decryptions byte for byte from the same randomness, and its
//               share encryptions; accept Python's outputs; reject tampered ones
//   identities  make fresh trustee identities (browser CSPRNG)         -> out
//   step1       keygen step 1 for the JS trustees                       -> out
//   step2       keygen step 2 from the published record                 -> out
//   decrypt     partial decryption of the record's tally                -> out
// Run without the variable (e.g. `node --test tests/js/`), it registers no test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { canonicalJson, hexToBytes, bytesToHex } from '../../static/js/ballot/encoding.mjs';
import { deterministicRng } from '../../static/js/ballot/proofs.mjs';
import { elementFromHex } from '../../static/js/ballot/group.mjs';
import {
  asElection, decryptShare, encryptShare, keygenStep1, keygenStep2, newTrusteeIdentity, partialDecrypt,
  publicIdentity, verifyPartialDecryption, verifyStep1, TrusteeError,
} from '../../static/js/scrutineer/dkg.mjs';
import { readRecord } from '../../static/js/scrutineer/record.mjs';
import { chacha20poly1305Open, chacha20poly1305Seal } from '../../static/js/scrutineer/aead.mjs';

const IN = process.env.UNEVOIX_SCRUTINEER_IN;
const OUT = process.env.UNEVOIX_SCRUTINEER_OUT;
const V = IN ? JSON.parse(fs.readFileSync(IN, 'utf8')) : null;
// Only the driven phase's tests are registered: run alone (as `node --test tests/js/`
// does for tests/voting/test_js_interop.py), this file defines no test at all.
const phaseTest = (name, title, fn) => {
  if (V && V.phase === name) test(title, fn);
};
const write = (obj) => fs.writeFileSync(OUT, JSON.stringify(obj));
const same = (a, b, msg) => assert.equal(canonicalJson(a), canonicalJson(b), msg);

function listRng(hexes) {
  let i = 0;
  return () => {
    if (i >= hexes.length) throw new Error('ephemeral list exhausted');
    return hexToBytes(hexes[i++]);
  };
}

phaseTest('vectors', 'vectors: ChaCha20-Poly1305 seals as cryptography does', () => {
  for (const v of V.aead) {
    const sealed = chacha20poly1305Seal(hexToBytes(v.key), hexToBytes(v.nonce), hexToBytes(v.plaintext), hexToBytes(v.aad));
    assert.equal(bytesToHex(sealed), v.sealed);
    assert.equal(bytesToHex(chacha20poly1305Open(hexToBytes(v.key), hexToBytes(v.nonce), sealed, hexToBytes(v.aad))), v.plaintext);
  }
});

phaseTest('vectors', 'vectors: trustee identities from the same seeds', () => {
  for (const v of V.identities) {
    const made = newTrusteeIdentity(v.private.id, v.public.name, {
      signingSeed: v.private.signing_seed, encryptionSecret: v.private.encryption_secret,
    });
    same(made.private, v.private);
    same(made.public, v.public);
    same(publicIdentity(v.private, v.public.name), v.public);
  }
});

phaseTest('vectors', 'vectors: step 1 byte for byte, and Python step 1 accepted', () => {
  const el = asElection(V.election);
  assert.equal(el.fingerprint, V.fingerprint);
  for (const v of V.step1) {
    const { data, state } = keygenStep1(V.election, v.private, {
      rng: deterministicRng(hexToBytes(v.seed)), ephemeral: listRng(v.ephemerals),
    });
    assert.equal(canonicalJson(data), canonicalJson(v.data), `step 1 of ${v.private.id}`);
    same(state, v.state);
    assert.equal(verifyStep1(el, v.data).length, V.election.threshold);
  }
});

phaseTest('vectors', 'vectors: shares decrypt to Python values; encryption reproduces Python boxes', () => {
  for (const v of V.shares) {
    assert.equal(decryptShare(V.fingerprint, v.dealer, v.recipient, v.secret, v.box).toString(16).padStart(64, '0'), v.share);
    const again = encryptShare(V.fingerprint, v.dealer, v.recipient, v.recipient_key, BigInt('0x' + v.share), hexToBytes(v.ephemeral));
    same(again, v.box);
    assert.throws(() => decryptShare(V.fingerprint, v.dealer, 'someone-else', v.secret, v.box), (e) => e.code === 'share_decryption');
  }
});

phaseTest('vectors', 'vectors: step 2 byte for byte', () => {
  const step1 = V.step1.map((v) => v.data);
  for (const v of V.step2) {
    const { data, secret } = keygenStep2(V.election, v.private, v.state, step1);
    assert.equal(canonicalJson(data), canonicalJson(v.data), `step 2 of ${v.private.id}`);
    same(secret, v.secret);
  }
});

phaseTest('vectors', 'vectors: partial decryption byte for byte, Python decryptions accepted', () => {
  for (const v of V.decrypt) {
    const data = partialDecrypt(V.election, v.private, v.share, v.sums, v.tally_hash, { rng: deterministicRng(hexToBytes(v.seed)) });
    assert.equal(canonicalJson(data), canonicalJson(v.data));
    verifyPartialDecryption(V.election, v.data, v.public_share, v.sums, v.tally_hash);
  }
});

phaseTest('vectors', 'vectors: tampered Python outputs are refused with Python\'s codes', () => {
  for (const t of V.tampered) {
    assert.throws(() => {
      if (t.kind === 'step1') verifyStep1(V.election, t.data);
      else verifyPartialDecryption(V.election, t.data, t.public_share, t.sums, t.tally_hash);
    }, (e) => e instanceof TrusteeError && e.code === t.code, `${t.what}: expected ${t.code}`);
  }
});

phaseTest('identities', 'identities: fresh keys from the CSPRNG', () => {
  const out = {};
  for (const t of V.trustees) out[t.id] = newTrusteeIdentity(t.id, t.name);
  write(out);
});

phaseTest('step1', 'step1: JS trustees deal their polynomials', () => {
  const out = {};
  for (const [id, priv] of Object.entries(V.privates)) out[id] = keygenStep1(V.election, priv);
  write(out);
});

phaseTest('step2', 'step2: JS trustees check their shares from the record', () => {
  const rec = readRecord(V.record);
  const out = {};
  for (const [id, priv] of Object.entries(V.privates)) out[id] = keygenStep2(rec.election, priv, V.states[id], rec.step1);
  write(out);
});

phaseTest('decrypt', 'decrypt: JS trustees decrypt the record\'s tally', () => {
  const rec = readRecord(V.record);
  assert.ok(rec.tally, 'the record has a tally');
  const out = {};
  for (const [id, priv] of Object.entries(V.privates)) {
    const data = partialDecrypt(rec.election, priv, V.secrets[id].share, rec.tally.decrypt, rec.tally.hash);
    assert.equal(data.public_share, rec.shares[id]);
    verifyPartialDecryption(rec.election, data, elementFromHex(rec.shares[id]), rec.tally.decrypt, rec.tally.hash);
    out[id] = data;
  }
  write(out);
});
