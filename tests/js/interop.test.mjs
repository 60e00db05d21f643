// JS side of tests/voting/test_js_interop.py.
//
// The pytest test writes Python-made vectors to $UNEVOIX_INTEROP_IN and runs
//   node --test tests/js/interop.test.mjs
// Every vector must be reproduced byte for byte from the same randomness; if
// $UNEVOIX_INTEROP_OUT is set, the JS-made ballots (browser CSPRNG, and the
// deterministic re-creations) are written there for Python to verify.
// Run alone (no vectors), the tests are skipped with that reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { canonicalBytes, canonicalJson, bytesToHex, hexToBytes } from '../../static/js/ballot/encoding.mjs';
import {
  credentialPublic, credentialKeys, generateCredential, normalizeCredential, signWithSeed, ed25519Verify,
} from '../../static/js/ballot/credential.mjs';
import {
  challenge, deterministicRng, nonceRng, recordingRng, proveDlog, proveDlogEq, verifyDlog, verifyDlogEq,
} from '../../static/js/ballot/proofs.mjs';
import { baseMul, elementFromHex, elementToHex, identityEncoding, scalarFromHex, scalarToHex } from '../../static/js/ballot/group.mjs';
import {
  encryptBallot, verifyBallot, ballotTracker, electionFingerprint, InvalidBallot,
} from '../../static/js/ballot/index.mjs';

const IN = process.env.UNEVOIX_INTEROP_IN;
const OUT = process.env.UNEVOIX_INTEROP_OUT;
const skip = IN ? false : 'no vectors: run through tests/voting/test_js_interop.py (sets UNEVOIX_INTEROP_IN)';
const V = IN ? JSON.parse(fs.readFileSync(IN, 'utf8')) : null;

test('canonical JSON bytes equal Python canonical_json', { skip }, () => {
  for (const { value, hex } of V.canonical) assert.equal(bytesToHex(canonicalBytes(value)), hex);
});

test('group elements and scalars: same accept/reject verdicts as Python', { skip }, () => {
  assert.ok(V.elements.filter((e) => e.strict !== null).length >= 10);
  assert.ok(V.elements.filter((e) => e.strict === null).length >= 10);
  const verdict = (hex, opts) => {
    try {
      return elementToHex(elementFromHex(hex, opts));
    } catch {
      return null;
    }
  };
  for (const e of V.elements) {
    assert.equal(verdict(e.hex), e.strict, e.hex);
    assert.equal(verdict(e.hex, { allowIdentity: true }), e.allow_identity, e.hex);
  }
  for (const sc of V.scalars) {
    let got = null;
    try {
      got = scalarToHex(scalarFromHex(sc.hex));
    } catch {
      got = null;
    }
    assert.equal(got, sc.value, sc.hex);
  }
});

test('identity encoding agrees', { skip }, () => {
  assert.equal(identityEncoding(), V.identity_hex);
});

test('credentials: format, check digits, key derivation, signatures', { skip }, () => {
  for (const c of V.credentials) {
    assert.equal(generateCredential(hexToBytes(c.entropy)), c.credential);
    assert.equal(normalizeCredential(c.spaced), c.credential.replaceAll('-', ''));
    assert.equal(credentialPublic(c.credential), c.public);
    assert.equal(credentialPublic(c.spaced), c.public);
    const { seed } = credentialKeys(c.credential);
    assert.equal(signWithSeed(seed, hexToBytes(c.message)), c.signature);
    assert.ok(ed25519Verify(c.public, c.signature, hexToBytes(c.message)));
    // one wrong character is caught by the check digits
    const typo = (c.credential[0] === 'z' ? 'y' : 'z') + c.credential.slice(1);
    assert.throws(() => credentialPublic(typo), /check|malformed/);
  }
});

test('deterministic rng streams', { skip }, () => {
  for (const { seed, scalars } of V.rng) {
    const draw = deterministicRng(hexToBytes(seed));
    assert.deepEqual(scalars.map(() => scalarToHex(draw())), scalars);
  }
});

test('Fiat-Shamir challenges', { skip }, () => {
  for (const { stmt, c } of V.challenges) assert.equal(scalarToHex(challenge(stmt)), c);
});

test('Schnorr and Chaum-Pedersen proofs reproduce and verify', { skip }, () => {
  for (const d of V.dlog) {
    const x = scalarFromHex(d.x);
    const h = elementFromHex(d.h);
    assert.deepEqual(proveDlogEq(d.stmt_eq, h, x, deterministicRng(hexToBytes(d.seed))), d.proof_eq);
    assert.deepEqual(proveDlog(d.stmt_pk, x, deterministicRng(hexToBytes(d.seed))), d.proof_pk);
    const X = baseMul(x);
    assert.ok(verifyDlogEq(d.stmt_eq, X, h, elementFromHex(d.stmt_eq.d), d.proof_eq));
    assert.ok(verifyDlog(d.stmt_pk, X, d.proof_pk));
    assert.ok(!verifyDlog({ ...d.stmt_pk, domain: 'other' }, X, d.proof_pk));
    assert.ok(!verifyDlogEq(d.stmt_eq, X, h, baseMul(5n), d.proof_eq));
  }
});

test('election fingerprints', { skip }, () => {
  for (const e of V.elections) assert.equal(electionFingerprint(e.definition), e.fingerprint);
});

const deterministic = [];

test('Python ballots are reproduced byte for byte from the same randomness', { skip }, () => {
  for (const b of V.ballots) {
    const e = V.elections[b.election];
    const made = encryptBallot(e.definition, e.public_key, b.credential, b.selections, { seed: hexToBytes(b.seed) });
    assert.equal(canonicalJson(made), canonicalJson(b.ballot));
    assert.equal(ballotTracker(made), b.tracker);
    deterministic.push({ ballot: made, tracker: ballotTracker(made) });
  }
});

test('the same ballots from an explicit nonce list', { skip }, () => {
  const b = V.ballots[0];
  const e = V.elections[b.election];
  const rec = recordingRng(deterministicRng(hexToBytes(b.seed)));
  encryptBallot(e.definition, e.public_key, b.credential, b.selections, { rng: rec });
  const nonces = rec.drawn.map(scalarToHex);
  const made = encryptBallot(e.definition, e.public_key, b.credential, b.selections, { nonces });
  assert.equal(ballotTracker(made), b.tracker);
  assert.throws(() => encryptBallot(e.definition, e.public_key, b.credential, b.selections, { nonces: nonces.slice(1) }));
  assert.throws(() => nonceRng(['00'.repeat(32)])());
});

test('Python ballots verify in JS', { skip }, () => {
  for (const b of V.ballots) {
    const e = V.elections[b.election];
    verifyBallot(e.definition, e.public_key, b.ballot, credentialPublic(b.credential));
    assert.throws(
      () => verifyBallot(e.definition, e.public_key, b.ballot, '00'.repeat(32)),
      (err) => err instanceof InvalidBallot && err.code === 'wrong_credential',
    );
  }
});

test('tampered ballots fail in JS with Python\'s reason code', { skip }, () => {
  assert.ok(V.tampered.length >= 5);
  for (const t of V.tampered) {
    const e = V.elections[t.election];
    assert.throws(
      () => verifyBallot(e.definition, e.public_key, t.ballot),
      (err) => {
        assert.ok(err instanceof InvalidBallot, `${t.name}: ${err}`);
        assert.equal(err.code, t.code, t.name);
        return true;
      },
      t.name,
    );
  }
});

test('unprovable selections are refused like in Python', { skip }, () => {
  const cred = V.credentials[0].credential;
  for (const bad of V.bad_selections) {
    const e = V.elections[bad.election];
    assert.throws(
      () => encryptBallot(e.definition, e.public_key, cred, bad.selections, { seed: 'x' }),
      (err) => err instanceof InvalidBallot && err.code === bad.code,
      JSON.stringify(bad.selections),
    );
  }
});

test('JS ballots with the browser CSPRNG verify in JS (and are written for Python)', { skip }, () => {
  const random = [];
  for (const req of V.js_requests) {
    const e = V.elections[req.election];
    const ballot = encryptBallot(e.definition, e.public_key, req.credential, req.selections, {
      fingerprint: e.fingerprint,
    });
    verifyBallot(e.definition, e.public_key, ballot, credentialPublic(req.credential));
    random.push({ ballot, tracker: ballotTracker(ballot), canonical: canonicalJson(ballot) });
  }
  assert.equal(random.length, V.js_requests.length);
  // elements in the ballot decode to the same points
  const ch = random[0].ballot.contests[0].choices[0];
  assert.equal(elementToHex(elementFromHex(ch.alpha)), ch.alpha);
  if (OUT) fs.writeFileSync(OUT, JSON.stringify({ random, deterministic }));
});
