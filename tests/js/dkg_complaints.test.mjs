// JS side of tests/voting/test_js_dkg_complaints.py: the browser scrutineer names a bad
// dealer with the same complaint as `python -m voting.trustee keygen2` (a share that does not
// match, and a share box that does not even open), accepts Python's complaints, refuses made-up
// ones, and continues key generation without the dealers.
//
//   UNEVOIX_COMPLAINTS_IN=in.json UNEVOIX_COMPLAINTS_OUT=out.json node --test tests/js/dkg_complaints.test.mjs
//
// in = {definition, step1: [...], t1: {key, state}, t2: {key, state}, record (up to t1's and t2's Python
//       complaints), python_complaint (t1 against t3, a wrong share), python_unopenable_complaint (t2
//       against t4, a box that does not open), t4_key (to re-sign t4's step 1)}. Run without the variables, it registers no test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  TrusteeError, badDealers, keygenStep2, makeComplaint, signTrusteeData, verifyComplaint, verifyStep1,
} from '../../static/js/scrutineer/dkg.mjs';
import { canonicalJson } from '../../static/js/ballot/encoding.mjs';
import { RecordError, readRecord } from '../../static/js/scrutineer/record.mjs';
import { runStep } from '../../static/js/scrutineer/page.mjs';

const IN = process.env.UNEVOIX_COMPLAINTS_IN;
const OUT = process.env.UNEVOIX_COMPLAINTS_OUT;

if (IN) {
  const V = JSON.parse(fs.readFileSync(IN, 'utf8'));
  const out = {};

  test('complaints: the JS recipient names the bad dealer exactly as Python does', () => {
    const t3 = V.step1.find((d) => d.trustee === 't3');
    assert.deepEqual(badDealers(V.definition, V.t1.key, V.step1), ['t3']);
    assert.deepEqual(badDealers(V.definition, V.t2.key, V.step1), ['t4']);
    assert.throws(() => keygenStep2(V.definition, V.t1.key, V.t1.state, V.step1), (e) => e.code === 'share_invalid');
    const complaint = makeComplaint(V.definition, V.t1.key, t3);
    // same revealed secret and the same signed bytes as the Python complaint
    assert.equal(canonicalJson(complaint), canonicalJson(V.python_complaint));
    verifyComplaint(V.definition, t3, V.python_complaint);
    out.complaint = complaint;
    // never against an honest dealer; a made-up secret or a forged signature is refused
    assert.throws(() => makeComplaint(V.definition, V.t2.key, V.step1[0]), (e) => e.code === 'complaint_unfounded');
    const { signature, ...body } = V.python_complaint;
    const resigned = signTrusteeData(V.t1.key, 'trustee_complaint', { ...body, shared_secret: '11'.repeat(32) });
    assert.throws(() => verifyComplaint(V.definition, t3, resigned), (e) => e instanceof TrusteeError && e.code === 'complaint_unfounded');
    assert.throws(() => verifyComplaint(V.definition, t3, { ...V.python_complaint, trustee: 't2' }), (e) => e.code === 'trustee_signature');
    assert.throws(() => verifyComplaint(V.definition, t3, body), (e) => e.code === 'trustee_format', 'unsigned');
  });

  test('complaints: a share box that does not open is proven with the true secret, as in Python', () => {
    const t4 = V.step1.find((d) => d.trustee === 't4');
    const t1 = V.step1.find((d) => d.trustee === 't1');
    const complaint = makeComplaint(V.definition, V.t2.key, t4);
    assert.equal(canonicalJson(complaint), canonicalJson(V.python_unopenable_complaint));
    verifyComplaint(V.definition, t4, V.python_unopenable_complaint);
    out.unopenable_complaint = complaint;
    // the same proven secret aimed at an honest dealer, or a made-up secret, proves nothing
    const { signature, ...body } = V.python_unopenable_complaint;
    const reaimed = signTrusteeData(V.t2.key, 'trustee_complaint', { ...body, dealer: 't1' });
    assert.throws(() => verifyComplaint(V.definition, t1, reaimed), (e) => e.code === 'complaint_unfounded');
    const madeUp = signTrusteeData(V.t2.key, 'trustee_complaint', { ...body, shared_secret: '22'.repeat(32) });
    assert.throws(() => verifyComplaint(V.definition, t4, madeUp), (e) => e.code === 'complaint_unfounded');
    // a dealer whose ephemeral key is of small order is refused at step 1 already
    const { signature: sig4, ...small } = JSON.parse(JSON.stringify(t4));
    small.shares.t2.ephemeral = '00'.repeat(32);
    assert.throws(() => verifyStep1(V.definition, signTrusteeData(V.t4_key, 'trustee_commitments', small)),
      (e) => e.code === 'share_ephemeral');
  });

  test('complaints: the record reader leaves the dealer out; step 2 goes on without it', () => {
    const rec = readRecord(V.record);
    assert.deepEqual(rec.disqualified, { t3: 't1', t4: 't2' });
    assert.deepEqual(rec.shares, {});
    // the page's step 2 for t1 now publishes its share without t3 (no second complaint)
    const cfg = { trustee: 't1', name: 'T1' };
    const bundle = { format: 'unevoix/v1/trustee-private', id: 't1', election: rec.election.fingerprint, key: V.t1.key, state: V.t1.state };
    const done = runStep('step2', cfg, rec, bundle);
    assert.equal(done.complaint, undefined);
    assert.deepEqual(Object.keys(done.data.dealers).sort(), ['t1', 't2']);
    out.t1_share = done.data;
    // before the complaint is on the record, the page's step 2 produces the complaint
    const before = readRecord({ ...V.record, events: V.record.events.slice(0, -2) });
    const first = runStep('step2', cfg, before, bundle);
    assert.equal(first.complaint, 't3');
    assert.equal(canonicalJson(first.data), canonicalJson(V.python_complaint));
    // and t2's page, before its own complaint, names t4, whose box does not open
    const t2Bundle = { ...bundle, id: 't2', key: V.t2.key, state: V.t2.state };
    const t2First = runStep('step2', { trustee: 't2', name: 'T2' }, readRecord({ ...V.record, events: V.record.events.slice(0, -1) }), t2Bundle);
    assert.equal(t2First.complaint, 't4');
    assert.equal(canonicalJson(t2First.data), canonicalJson(V.python_unopenable_complaint));
    // a record whose complaint is made up fails to read
    const bad = JSON.parse(JSON.stringify(V.record));
    bad.events[bad.events.length - 1].data.dealer = 't1';
    assert.throws(() => readRecord(bad), (e) => e instanceof RecordError);
    fs.writeFileSync(OUT, JSON.stringify(out));
  });
}
