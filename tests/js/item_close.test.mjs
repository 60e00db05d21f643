// JS side of tests/voting/test_js_item_close.py: records whose agenda items were closed one by
// one. The in-browser verifier's rules (record.mjs, with the tally re-added from the ballots that
// count for each contest), its count check (verify/worker.mjs) and the browser scrutineer's
// streaming guard (verifier.mjs) must agree with Python's RecordState on every case.
//
//   UNEVOIX_ITEMS_DIR=dir node --test tests/js/item_close.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { readRecord } from '../../static/js/scrutineer/record.mjs';
import { inlinePool, verifyForDecryption } from '../../static/js/scrutineer/verifier.mjs';

const DIR = process.env.UNEVOIX_ITEMS_DIR;

function opener(file, size = 1499) {
  return async function* chunks() {
    const text = fs.readFileSync(file, 'utf8');
    for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
  };
}

const load = (name) => JSON.parse(fs.readFileSync(path.join(DIR, `${name}.json`), 'utf8'));

if (DIR) {
  const expected = load('expected');
  globalThis.self = globalThis.self || {}; // verify/worker.mjs is a Web Worker module
  const { checkCounts } = await import('../../static/js/verify/worker.mjs');

  test('items: the in-browser verifier counts each contest as Python does', () => {
    const doc = load('items_ok');
    const rec = readRecord(doc);
    assert.equal(rec.sumsChecked, true);
    assert.deepEqual(rec.tally.contestCounted, expected.contest_counted);
    const result = doc.events.find((e) => e.type === 'result').data;
    assert.deepEqual(result.counts, expected.counts);
    checkCounts(rec, result);
  });

  test('items: every refusal has the Python verifier\'s reason code', () => {
    for (const [name, code] of Object.entries(expected.codes)) {
      if (code === null) continue;
      assert.throws(() => readRecord(load(name)), (e) => e.code === code, name);
    }
  });

  test('items: the browser scrutineer re-adds each contest from its own ballots', async () => {
    const { summary } = await verifyForDecryption(opener(path.join(DIR, 'items_ok.json')), { pool: inlinePool(), minBallots: 1 });
    assert.equal(summary.total, 4);
    assert.deepEqual(summary.electorate, { A: 2, B: 2 });
    await assert.rejects(verifyForDecryption(opener(path.join(DIR, 'refuse_post_close_ballot_counted.json')),
      { pool: inlinePool(), minBallots: 1 }), (e) => e.code === 'tally_sum');
    await assert.rejects(verifyForDecryption(opener(path.join(DIR, 'refuse_contest_counts.json')),
      { pool: inlinePool(), minBallots: 1 }), (e) => e.code === 'tally_count');
  });

  test('items held back: a ballot before the item opened does not count for it, as in Python', async () => {
    const doc = load('held_ok');
    const rec = readRecord(doc);
    assert.equal(rec.sumsChecked, true);
    assert.deepEqual(rec.tally.contestCounted, expected.held.contest_counted);
    const result = doc.events.find((e) => e.type === 'result').data;
    assert.deepEqual(result.counts, expected.held.counts);
    checkCounts(rec, result);
    await verifyForDecryption(opener(path.join(DIR, 'held_ok.json')), { pool: inlinePool(), minBallots: 1 });
    await assert.rejects(verifyForDecryption(opener(path.join(DIR, 'refuse_pre_open_ballot_counted.json')),
      { pool: inlinePool(), minBallots: 1 }), (e) => e.code === 'tally_sum');
  });

  test('items: the minimum count applies contest by contest (a total for one item, categories for the others)', async () => {
    const doc = load('items_mixed');
    const rec = readRecord(doc);
    assert.deepEqual(Object.keys(rec.tally.decrypt.total), ['r1']);
    checkCounts(rec, doc.events.find((e) => e.type === 'result').data);
    const { summary } = await verifyForDecryption(opener(path.join(DIR, 'items_mixed.json')), { pool: inlinePool(), minBallots: 2 });
    assert.deepEqual(summary.groups.sort(), ['A', 'B', 'total']);
  });

  test('every count withheld: no decryption, no scrutineer named, and the browser verifier agrees with Python', () => {
    const doc = load('all_withheld');
    const rec = readRecord(doc);
    const result = doc.events.find((e) => e.type === 'result').data;
    assert.deepEqual(result.trustees, []);
    checkCounts(rec, result);
    assert.throws(() => checkCounts(rec, { ...result, trustees: ['t1'] }), (e) => e.code === 'result_count');
  });
}
