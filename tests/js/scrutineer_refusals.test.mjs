// JS side of tests/voting/test_js_scrutineer_refusals.py: the browser scrutineer's
// decryption guard (static/js/scrutineer/verifier.mjs) on the records a dishonest
// server could hand it (tests/voting/scrutineer_cases.py).
//
//   UNEVOIX_REFUSALS_DIR=dir node --test tests/js/scrutineer_refusals.test.mjs
//
// dir holds <case>.json records and t1.key / t1.share. Every refuse_* case must be
// refused; `ok` is verified (read in small chunks, so events span chunks), its figures
// shown, and t1's partial decryption written to dir/js-t1.partial.json for Python to check.
// The seal: a board with a made-up ballot or still open is not sealed; on `ok`, t1's seal
// signature is written to dir/js-t1.seal.json.
// Run without the variable, it registers no test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  DecryptionRefused, inlinePool, streamEvents, verifyForDecryption, verifyForSeal,
} from '../../static/js/scrutineer/verifier.mjs';
import { RecordError } from '../../static/js/scrutineer/record.mjs';
import { runStep } from '../../static/js/scrutineer/page.mjs';

const DIR = process.env.UNEVOIX_REFUSALS_DIR;

function opener(file, size = 997) {
  return async function* chunks() {
    const text = fs.readFileSync(file, 'utf8');
    for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
  };
}

const EXPECT = {
  refuse_one_ballot: (e) => e instanceof DecryptionRefused && e.reason === 'withheld' && e.params.min === 5,
  refuse_made_up_tally: (e) => e instanceof RecordError && e.code === 'tally_sum',
  refuse_made_up_decrypt: (e) => e instanceof RecordError && e.code === 'tally_decrypt',
  refuse_made_up_ballot: (e) => e instanceof RecordError && e.code === 'choice_proof',
  refuse_unclosed: (e) => e instanceof DecryptionRefused && e.reason === 'not-closed',
  refuse_unsealed: (e) => e instanceof DecryptionRefused && e.reason === 'not-sealed' && e.params.sealed === 1,
  refuse_low_minimum: (e) => e instanceof DecryptionRefused && e.reason === 'min-too-low' && e.params.defined === 1,
};

if (DIR) {
  test('refusals: every record built to reveal a vote is refused', async () => {
    for (const [name, check] of Object.entries(EXPECT)) {
      await assert.rejects(verifyForDecryption(opener(path.join(DIR, `${name}.json`))), check, name);
    }
  });

  test('refusals: an honest board is verified, its figures shown, and decrypted', async () => {
    const progress = [];
    const { rec, summary } = await verifyForDecryption(opener(path.join(DIR, 'ok.json')), {
      pool: inlinePool(), onProgress: (p) => progress.push(p),
    });
    const events = JSON.parse(fs.readFileSync(path.join(DIR, 'ok.json'), 'utf8')).events;
    assert.deepEqual(summary.counted, { A: 6, B: 0 });
    assert.equal(summary.total, 6);
    assert.equal(summary.turnout, '6 / 8 (75.0%)');
    assert.equal(summary.head, events.find((e) => e.type === 'close').prev);
    assert.equal(summary.tally, events[events.length - 1].hash);
    assert.ok(progress.some((p) => p.phase === 'verifying' && p.verified === 7), JSON.stringify(progress));
    assert.ok(progress.some((p) => p.phase === 'rereading'), 'the superseded ballot is read again');
    await assert.rejects(verifyForDecryption(opener(path.join(DIR, 'ok.json')), { expectCount: 5 }),
      (e) => e instanceof DecryptionRefused && e.reason === 'not-announced');
    const key = JSON.parse(fs.readFileSync(path.join(DIR, 't1.key'), 'utf8'));
    const share = JSON.parse(fs.readFileSync(path.join(DIR, 't1.share'), 'utf8'));
    const bundle = { format: 'unevoix/v1/trustee-private', id: 't1', election: share.election, key, share };
    const { data } = runStep('decrypt', { trustee: 't1', name: 't1' }, rec, bundle);
    fs.writeFileSync(path.join(DIR, 'js-t1.partial.json'), JSON.stringify(data));
    // a small category: only the total of both categories is decrypted
    const small = await verifyForDecryption(opener(path.join(DIR, 'total_only.json')));
    assert.deepEqual(small.summary.groups, ['total']);
    assert.deepEqual(Object.keys(runStep('decrypt', { trustee: 't1', name: 't1' }, small.rec, bundle).data.factors), ['total']);
  });

  test('refusals: the seal is signed only on a closed board whose every ballot verifies', async () => {
    await assert.rejects(verifyForSeal(opener(path.join(DIR, 'refuse_made_up_ballot.json'))),
      (e) => e instanceof RecordError && e.code === 'choice_proof');
    await assert.rejects(verifyForSeal(opener(path.join(DIR, 'refuse_unclosed.json'))),
      (e) => e instanceof DecryptionRefused && e.reason === 'not-closed');
    const { rec, summary } = await verifyForSeal(opener(path.join(DIR, 'ok.json')), { pool: inlinePool() });
    const close = JSON.parse(fs.readFileSync(path.join(DIR, 'ok.json'), 'utf8')).events.find((e) => e.type === 'close');
    assert.equal(summary.total, close.data.counted);
    assert.equal(summary.head, close.data.head);
    assert.equal(summary.turnout, `${close.data.counted} / 8 (${((100 * close.data.counted) / 8).toFixed(1)}%)`);
    const key = JSON.parse(fs.readFileSync(path.join(DIR, 't1.key'), 'utf8'));
    const { data } = runStep('seal', { trustee: 't1', name: 't1' }, rec, { id: 't1', key });
    fs.writeFileSync(path.join(DIR, 'js-t1.seal.json'), JSON.stringify(data));
  });

  test('refusals: the stream reader parses events split across any chunks, braces in strings included', async () => {
    const doc = { format: 'unevoix/v1/record', events: [{ a: '{[}]"\\' }, { b: [1, { c: '}' }] }] };
    const text = JSON.stringify(doc);
    for (const size of [1, 2, 3, 7, text.length]) {
      const meta = {};
      const got = [];
      async function* chunks() {
        for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
      }
      for await (const ev of streamEvents(chunks(), meta)) got.push(ev);
      assert.deepEqual(got, doc.events, `chunk size ${size}`);
      assert.equal(meta.format, 'unevoix/v1/record');
      assert.deepEqual(meta.keys, ['format', 'events']);
    }
  });
}
