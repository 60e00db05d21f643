// Self-contained tests of the browser scrutineer (static/js/scrutineer/):
// the AEAD against RFC 8439, a whole JS-only key generation and threshold
// decryption, the record replay on the committed records of
// tests/voting/records/, and the page controller's pure parts.
// (Python interop: tests/voting/test_js_scrutineer.py.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bytesToHex, hexToBytes, utf8, canonicalHash } from '../../static/js/ballot/encoding.mjs';
import { ORDER, IDENTITY, add, baseMul, elementToHex, mod, mul, neg } from '../../static/js/ballot/group.mjs';
import { encrypt, deterministicRng } from '../../static/js/ballot/proofs.mjs';
import { chacha20, chacha20poly1305Open, chacha20poly1305Seal, poly1305 } from '../../static/js/scrutineer/aead.mjs';
import {
  TrusteeError, asElection, keygenStep1, keygenStep2, newTrusteeIdentity, partialDecrypt, verifyPartialDecryption,
  verifyStep1, signTrusteeData,
} from '../../static/js/scrutineer/dkg.mjs';
import { GENESIS_PREV, eventHash, readRecord } from '../../static/js/scrutineer/record.mjs';
import {
  MESSAGES, PRIVATE_FORMAT, csrfToken, format, mergePrivate, movedOn, nextAction, privateFileName, refusal, runStep,
} from '../../static/js/scrutineer/page.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RECORDS = path.join(HERE, '..', 'voting', 'records');

// ------------------------------------------------------------------ AEAD

test('ChaCha20 block function: RFC 8439 2.4.2', () => {
  const key = hexToBytes('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f');
  const nonce = hexToBytes('000000000000004a00000000');
  const pt = utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const ct = chacha20(key, 1, nonce, pt);
  assert.equal(bytesToHex(ct.subarray(0, 16)), '6e2e359a2568f98041ba0728dd0d6981');
  assert.equal(bytesToHex(ct.subarray(ct.length - 2)), '874d');
});

test('Poly1305: RFC 8439 2.5.2', () => {
  const key = hexToBytes('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b');
  assert.equal(bytesToHex(poly1305(key, utf8('Cryptographic Forum Research Group'))), 'a8061dc1305136c6c22b8baf0c0127a9');
});

test('AEAD: RFC 8439 2.8.2, and any change to tag, ciphertext or aad is refused', () => {
  const key = hexToBytes('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = hexToBytes('070000004041424344454647');
  const aad = hexToBytes('50515253c0c1c2c3c4c5c6c7');
  const pt = utf8("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
  const sealed = chacha20poly1305Seal(key, nonce, pt, aad);
  assert.equal(bytesToHex(sealed.subarray(sealed.length - 16)), '1ae10b594f09e26a7e902ecbd0600691');
  assert.equal(bytesToHex(sealed.subarray(0, 8)), 'd31a8d34648e60db');
  assert.deepEqual(chacha20poly1305Open(key, nonce, sealed, aad), pt);
  for (const i of [0, 50, sealed.length - 1]) {
    const bad = sealed.slice();
    bad[i] ^= 1;
    assert.throws(() => chacha20poly1305Open(key, nonce, bad, aad));
  }
  assert.throws(() => chacha20poly1305Open(key, nonce, sealed, aad.subarray(1)));
});

// ------------------------------------------------------------------ a JS-only election

const CONTESTS = [
  { id: 'r1', kind: 'resolution', choices: ['yes', 'no', 'abstain'], min: 1, max: 1, category: null, seats: null, majority: 'simple', quorum: 0 },
];

function makeTrustees(n) {
  const ids = Array.from({ length: n }, (_, i) => `t${i + 1}`);
  const made = ids.map((id) => newTrusteeIdentity(id, `Scrutineer ${id}`));
  return { ids, privates: Object.fromEntries(made.map((m) => [m.private.id, m.private])), publics: made.map((m) => m.public) };
}

function definition(publics, threshold) {
  return { version: 'unevoix/v1', id: 'js-only', title: 'JS only', contests: CONTESTS, trustees: publics, threshold, tie_rule: 'ballot_order' };
}

function lagrangeAtZero(indices) {
  const out = {};
  for (const i of indices) {
    let num = 1n;
    let den = 1n;
    for (const j of indices) {
      if (j !== i) {
        num = mod(num * BigInt(j));
        den = mod(den * BigInt(j - i));
      }
    }
    // den^-1 by Fermat
    let inv = 1n;
    let b = den;
    let e = ORDER - 2n;
    while (e > 0n) {
      if (e & 1n) inv = mod(inv * b);
      b = mod(b * b);
      e >>= 1n;
    }
    out[i] = mod(num * inv);
  }
  return out;
}

function pushEvent(events, type, data) {
  const prev = events.length ? events[events.length - 1].hash : GENESIS_PREV;
  const e = { seq: events.length, type, prev, data };
  e.hash = eventHash(e);
  events.push(e);
  return e;
}

test('5 trustees, threshold 3: keygen in JS, any 3 decrypt, 2 cannot', () => {
  const { ids, privates, publics } = makeTrustees(5);
  const def = definition(publics, 3);
  const el = asElection(def);
  const step1 = [];
  const states = {};
  for (const id of ids) {
    const { data, state } = keygenStep1(def, privates[id]);
    verifyStep1(el, data);
    step1.push(data);
    states[id] = state;
  }
  const secrets = {};
  const pubShares = {};
  for (const id of ids) {
    const { data, secret } = keygenStep2(def, privates[id], states[id], step1);
    secrets[id] = secret;
    pubShares[id] = data.public_share;
    assert.equal(Object.keys(data.dealers).length, 5);
  }
  const y = step1.reduce((acc, d) => add(acc, verifyStep1(el, d)[0]), IDENTITY);
  const [alpha, beta] = encrypt(y, 7, 123456789n);
  const sums = { A: { r1: { yes: { alpha: elementToHex(alpha), beta: elementToHex(beta) } } } };
  const tallyHash = 'ab'.repeat(32);
  const factors = {};
  for (const id of ['t2', 't4', 't5']) {
    const data = partialDecrypt(def, privates[id], secrets[id].share, sums, tallyHash);
    factors[el.index(id)] = verifyPartialDecryption(def, data, pubShares[id], sums, tallyHash).A.r1.yes;
  }
  const lam = lagrangeAtZero(Object.keys(factors).map(Number));
  let combined = IDENTITY;
  for (const [i, d] of Object.entries(factors)) combined = add(combined, mul(d, lam[i]));
  assert.equal(elementToHex(add(beta, neg(combined))), elementToHex(baseMul(7n)));
  // two shares are not enough: the same combination with 2 trustees gives garbage
  const two = lagrangeAtZero([2, 4]);
  const wrong = add(mul(factors[2], two[2]), mul(factors[4], two[4]));
  assert.notEqual(elementToHex(add(beta, neg(wrong))), elementToHex(baseMul(7n)));
});

test('step 2 names the dealer whose share does not match; refuses a foreign state', () => {
  const { ids, privates, publics } = makeTrustees(3);
  const def = definition(publics, 2);
  const step1 = [];
  const states = {};
  for (const id of ids) {
    const r = keygenStep1(def, privates[id]);
    step1.push(r.data);
    states[id] = r.state;
  }
  // t1 re-deals with a different polynomial but keeps t2's box from the first deal: signed, but wrong
  const again = keygenStep1(def, privates.t1).data;
  const { signature, ...body } = again;
  const forged = signTrusteeData(privates.t1, 'trustee_commitments', { ...body, shares: { ...body.shares, t2: step1[0].shares.t2 } });
  assert.throws(() => keygenStep2(def, privates.t2, states.t2, [forged, step1[1], step1[2]]),
    (e) => e instanceof TrusteeError && e.code === 'share_invalid' && /t1/.test(e.message));
  assert.throws(() => keygenStep2(def, privates.t2, states.t3, step1), (e) => e.code === 'state_mismatch');
  assert.throws(() => keygenStep2(def, privates.t2, states.t2, step1.slice(1)), (e) => e.code === 'missing_trustee');
  const tampered = { ...step1[2], commitments: [...step1[2].commitments].reverse() };
  assert.throws(() => verifyStep1(def, tampered), (e) => e.code === 'trustee_signature');
});

// ------------------------------------------------------------------ the committed records

test('record replay: the valid record reads; broken records are refused', () => {
  const expected = JSON.parse(fs.readFileSync(path.join(RECORDS, 'expected.json'), 'utf8'));
  const rec = readRecord(JSON.parse(fs.readFileSync(path.join(RECORDS, 'valid.json'), 'utf8')));
  assert.ok(rec.tally && rec.publicKey);
  assert.equal(Object.keys(rec.shares).length, rec.election.trustees.length);
  // what a light replay cannot see: ballot signatures/proofs (left to the verifier), the result event
  const outOfReach = new Set(['choice_proof', 'ballot_signature', 'result_count', 'result_seats', 'result_outcome', 'ballot_copied']);
  let refused = 0;
  for (const [name, code] of Object.entries(expected)) {
    if (code === null || outOfReach.has(code)) continue;
    const doc = JSON.parse(fs.readFileSync(path.join(RECORDS, name), 'utf8'));
    assert.throws(() => readRecord(doc), (e) => typeof e.code === 'string', name);
    refused += 1;
  }
  assert.ok(refused >= 8, `${refused} broken records checked`);
  assert.equal(rec.sumsChecked, true);
  // no size limit any more: the sums are always re-added (here, or streamed by verifier.mjs)
  const wrongTally = JSON.parse(fs.readFileSync(path.join(RECORDS, 'wrong_tally.json'), 'utf8'));
  const upToTally = { ...wrongTally, events: wrongTally.events.slice(0, wrongTally.events.findIndex((e) => e.type === 'tally') + 1) };
  assert.throws(() => readRecord(upToTally), (e) => e.code === 'tally_sum');
  assert.throws(() => readRecord(upToTally, { maxSumCiphertexts: 1 }), (e) => e.code === 'tally_sum');
  for (const name of ['broken_hash_link.json', 'wrong_tally.json', 'unknown_credential.json', 'wrong_partial_decryption.json']) {
    const doc = JSON.parse(fs.readFileSync(path.join(RECORDS, name), 'utf8'));
    assert.throws(() => readRecord(doc), (e) => e.code === expected[name], name);
  }
});

// ------------------------------------------------------------------ the page controller

test('page: messages interpolate like gettext; CSRF token from hx-headers', () => {
  assert.equal(format(MESSAGES.waiting, { who: 't2, t3' }), 'Nothing to do yet: waiting for the other scrutineers (t2, t3).');
  assert.equal(format('%(a)s and %(b)s', { a: 1 }), '1 and %(b)s');
  const doc = { body: { getAttribute: () => '{"X-CSRFToken": "tok-123"}' } };
  assert.equal(csrfToken(doc), 'tok-123');
  assert.equal(csrfToken({ body: { getAttribute: () => 'not json' } }), null);
});

test('page: a refusal shows the translated sentence only; the technical detail stays apart', () => {
  const body = { error: 'trustee_data', message: 'Le fichier ne se vérifie pas.', detail: 'bad proof for share 3' };
  assert.deepEqual(refusal(body, 400), { reason: 'Le fichier ne se vérifie pas.', detail: 'trustee_data: bad proof for share 3' });
  assert.ok(!format(MESSAGES['server-error'], refusal(body, 400)).includes('bad proof'));
  assert.deepEqual(refusal({ error: 'wrong_state', message: 'Pas possible.' }, 409), { reason: 'Pas possible.', detail: null });
  assert.deepEqual(refusal(null, 502), { reason: '502', detail: null });
  assert.deepEqual(refusal({ message: '', detail: 7 }, 500), { reason: '500', detail: null });
});

test('page: the widget follows the page only when the election moved past what it read', () => {
  const cfg = { stamp: 'keygen.3.4' };
  assert.equal(movedOn(cfg, { state: 'keygen', stamp: 'keygen.3.5' }), true);
  assert.equal(movedOn(cfg, { state: 'keygen', stamp: 'keygen.3.4' }), false); // its own step, already read
  assert.equal(movedOn(cfg, null), false);
  assert.equal(movedOn(cfg, { state: 'open' }), false);
});

test('page: private files merge (bundle or CLI files), refuse strangers and mixed elections', () => {
  const { private: key } = newTrusteeIdentity('t2', 'Two');
  let b = mergePrivate(null, key, 't2');
  assert.equal(b.format, PRIVATE_FORMAT);
  assert.deepEqual(b.key, key);
  b = mergePrivate(b, { id: 't2', election: 'aa'.repeat(32), coefficients: ['01'.padStart(64, '0')] }, 't2');
  assert.equal(b.election, 'aa'.repeat(32));
  assert.match(privateFileName(b), /^scrutineer-t2-aaaaaaaa-state\.private\.json$/);
  // every file is named after the election, the first one (the key alone, no fingerprint yet) too
  assert.equal(privateFileName(mergePrivate(null, key, 't2'), 'ag-2026'), 'ag-2026-scrutineer-t2-key.private.json');
  assert.equal(privateFileName(b, 'ag-2026'), 'ag-2026-scrutineer-t2-state.private.json');
  assert.equal(privateFileName({ ...b, share: {} }, 'ag-2026'), 'ag-2026-scrutineer-t2-share.private.json');
  assert.equal(privateFileName({ id: 't/2', key }, '../x y'), '___x_y-scrutineer-t_2-key.private.json');
  assert.throws(() => mergePrivate(b, { id: 't2', election: 'bb'.repeat(32), share: '01'.padStart(64, '0') }, 't2'), (e) => e.code === 'state_mismatch');
  assert.throws(() => mergePrivate(null, key, 't3'), (e) => e.code === 'state_mismatch');
  assert.throws(() => mergePrivate(null, { id: 't2', hello: 1 }, 't2'), (e) => e.code === 'state_mismatch');
  const again = mergePrivate(null, JSON.parse(JSON.stringify(b)), 't2');
  assert.deepEqual(again, b);
});

test('page: the whole browser flow over a record (keys, step 1, step 2, decrypt)', () => {
  const ids = ['t1', 't2', 't3'];
  const cfgs = Object.fromEntries(ids.map((id) => [id, { trustee: id, name: `S ${id}`, state: 'setup', keysRegistered: null }]));
  const bundles = {};
  const publics = [];
  for (const id of ids) {
    assert.deepEqual(nextAction(cfgs[id], null), { action: 'keys' });
    const { data, bundle } = runStep('keys', cfgs[id], null, null);
    assert.deepEqual(Object.keys(data).sort(), ['encryption_key', 'id', 'name', 'signing_key']);
    assert.ok(!JSON.stringify(data).includes(bundle.key.signing_seed));
    bundles[id] = JSON.parse(JSON.stringify(bundle)); // saved and loaded back
    publics.push(data);
  }
  const def = definition(publics, 2);
  const events = [];
  pushEvent(events, 'election', def);
  const read = () => readRecord({ format: 'unevoix/v1/record', events });
  for (const id of ids) cfgs[id].state = 'keygen';
  for (const id of ids) {
    assert.equal(nextAction(cfgs[id], read()).action, 'step1');
    const { data, bundle } = runStep('step1', cfgs[id], read(), bundles[id]);
    assert.ok(bundle.state && !('state' in data));
    bundles[id] = bundle;
    pushEvent(events, 'trustee_commitments', data);
  }
  // a key that is not the registered one is refused before anything is dealt
  assert.throws(() => runStep('step2', cfgs.t1, read(), { ...bundles.t2, id: 't1', key: { ...bundles.t2.key, id: 't1' } }),
    (e) => e.code === 'state_mismatch');
  assert.throws(() => runStep('step2', cfgs.t1, read(), { ...bundles.t1, state: undefined }), (e) => e.code === 'need-state');
  for (const id of ids) {
    assert.equal(nextAction(cfgs[id], read()).action, 'step2');
    const { data, bundle } = runStep('step2', cfgs[id], read(), bundles[id]);
    bundles[id] = bundle;
    pushEvent(events, 'trustee_share', data);
  }
  let rec = read();
  const y = Object.values(rec.commitments).reduce((acc, cs) => add(acc, cs[0]), IDENTITY);
  pushEvent(events, 'election_key', { election: rec.election.fingerprint, public_key: elementToHex(y) });
  pushEvent(events, 'credentials', { election: rec.election.fingerprint, credentials: [] });
  pushEvent(events, 'open', { election: rec.election.fingerprint, electorate: { A: 0, B: 0 } });
  const head = events[events.length - 1].hash;
  pushEvent(events, 'close', { election: rec.election.fingerprint, ballots: 0, counted: 0, head });
  for (const id of ids) cfgs[id].state = 'closed';
  const close = events[events.length - 1].hash;
  for (const id of ['t1', 't2']) { // k scrutineers sign the seal of the closed board, in the browser
    rec = read();
    assert.deepEqual(nextAction(cfgs[id], rec), { action: 'seal' });
    assert.throws(() => runStep('seal', cfgs[id], rec, bundles.t3), (e) => e.code === 'state_mismatch');
    const { data } = runStep('seal', cfgs[id], rec, bundles[id]);
    assert.deepEqual({ ...data, signature: undefined },
      { election: rec.election.fingerprint, trustee: id, close, counted: 0, head, signature: undefined });
    pushEvent(events, 'seal_signature', data);
  }
  rec = read(); // the reader checked both signatures, close, count and head
  assert.deepEqual(Object.keys(rec.seals), ['t1', 't2']);
  assert.deepEqual(nextAction(cfgs.t1, rec), { action: null, reason: 'nothing-to-do' }); // sealed: waiting for the tally
  assert.deepEqual(nextAction(cfgs.t3, rec), { action: 'seal' });
  const zero = { alpha: '00'.repeat(33), beta: '00'.repeat(33) };
  const sums = Object.fromEntries(['A', 'B'].map((c) => [c, { r1: { yes: zero, no: zero, abstain: zero } }]));
  pushEvent(events, 'tally', { election: rec.election.fingerprint, counted: { A: 0, B: 0 }, sums, decrypt: sums });
  rec = read();
  assert.throws(() => runStep('decrypt', cfgs.t3, rec, { ...bundles.t3, share: undefined }), (e) => e.code === 'need-share');
  assert.throws(() => runStep('decrypt', cfgs.t3, rec, { ...bundles.t3, share: bundles.t2.share }), (e) => e.code === 'state_mismatch');
  const { data } = runStep('decrypt', cfgs.t3, rec, bundles.t3);
  pushEvent(events, 'partial_decryption', data);
  rec = read();
  assert.deepEqual(Object.keys(rec.decryptions), ['t3']);
  assert.deepEqual(nextAction(cfgs.t3, rec), { action: null, reason: 'already-done' });
  assert.equal(nextAction(cfgs.t1, rec).action, 'decrypt');
  // a wrong event hash anywhere stops everything
  events[2] = { ...events[2], data: { ...events[2].data, trustee: 't9' } };
  assert.throws(() => read(), (e) => e.code === 'event_hash');
  assert.equal(canonicalHash({}), canonicalHash({}));
});

test('deterministic randomness reproduces a step (rng and ephemeral keys are the only inputs)', () => {
  const { privates, publics } = makeTrustees(3);
  const def = definition(publics, 2);
  const eph = () => {
    let i = 0;
    return () => hexToBytes(canonicalHash({ i: i++ }));
  };
  const a = keygenStep1(def, privates.t1, { rng: deterministicRng('x'), ephemeral: eph() });
  const b = keygenStep1(def, privates.t1, { rng: deterministicRng('x'), ephemeral: eph() });
  assert.deepEqual(a, b);
  const c = keygenStep1(def, privates.t1, { rng: deterministicRng('y'), ephemeral: eph() });
  assert.notDeepEqual(a.data.commitments, c.data.commitments);
});
