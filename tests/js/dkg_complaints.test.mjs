// JS side of tests/voting/test_js_dkg_complaints.py: the browser scrutineer names a bad
// dealer with the same complaint as `python -m voting.trustee keygen2`, accepts Python's
// complaints, refuses made-up ones, and continues key generation without the dealer.
//
//   UNEVOIX_COMPLAINTS_IN=in.json UNEVOIX_COMPLAINTS_OUT=out.json node --test tests/js/dkg_complaints.test.mjs
//
// in = {definition, step1: [...], t1: {key, state}, t2: {key, state}, record (up to t1's Python complaint),
//       python_complaint}. Run without the variables, it registers no test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import {
  TrusteeError, badDealers, keygenStep2, makeComplaint, signTrusteeData, verifyComplaint,
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
    assert.deepEqual(badDealers(V.definition, V.t2.key, V.step1), []);
    assert.throws(() => keygenStep2(V.definition, V.t1.key, V.t1.state, V.step1), (e) => e.code === 'share_invalid');
    const complaint = makeComplaint(V.definition, V.t1.key, t3);
    // same revealed secret and the same signed bytes as the Python complaint
    assert.equal(canonicalJson(complaint), canonicalJson(V.python_complaint));
    verifyComplaint(V.definition, t3, V.python_complaint);
    out.complaint = complaint;
    // never against an honest dealer; a made-up secret or a forged signature is refused
    assert.throws(() => makeComplaint(V.definition, V.t2.key, V.step1[0]), (e) => e.code === 'complaint_unfounded');
    const resigned = signTrusteeData(V.t1.key, 'trustee_complaint', {
      election: V.python_complaint.election, trustee: 't1', dealer: 't3', shared_secret: '11'.repeat(32) });
    assert.throws(() => verifyComplaint(V.definition, t3, resigned), (e) => e instanceof TrusteeError && e.code === 'complaint_unfounded');
    assert.throws(() => verifyComplaint(V.definition, t3, { ...V.python_complaint, trustee: 't2' }), (e) => e.code === 'trustee_signature');
  });

  test('complaints: the record reader leaves the dealer out; step 2 goes on without it', () => {
    const rec = readRecord(V.record);
    assert.deepEqual(rec.disqualified, { t3: 't1' });
    assert.deepEqual(rec.shares, {});
    // the page's step 2 for t1 now publishes its share without t3 (no second complaint)
    const cfg = { trustee: 't1', name: 'T1' };
    const bundle = { format: 'unevoix/v1/trustee-private', id: 't1', election: rec.election.fingerprint, key: V.t1.key, state: V.t1.state };
    const done = runStep('step2', cfg, rec, bundle);
    assert.equal(done.complaint, undefined);
    assert.deepEqual(Object.keys(done.data.dealers).sort(), ['t1', 't2', 't4']);
    out.t1_share = done.data;
    // before the complaint is on the record, the page's step 2 produces the complaint
    const before = readRecord({ ...V.record, events: V.record.events.slice(0, -1) });
    const first = runStep('step2', cfg, before, bundle);
    assert.equal(first.complaint, 't3');
    assert.equal(canonicalJson(first.data), canonicalJson(V.python_complaint));
    // a record whose complaint is made up fails to read
    const bad = JSON.parse(JSON.stringify(V.record));
    bad.events[bad.events.length - 1].data.dealer = 't4';
    assert.throws(() => readRecord(bad), (e) => e instanceof RecordError);
    fs.writeFileSync(OUT, JSON.stringify(out));
  });
}
