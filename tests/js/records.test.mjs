// The browser ballot code against the election records the Python side
// committed in tests/voting/records/ (made by make_records.py): event hashes,
// ballot trackers and ballot verification must agree with Python.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalHash, ballotTracker, verifyBallot, InvalidBallot, electionFingerprint } from '../../static/js/ballot/index.mjs';

const DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'voting', 'records');
const skip = fs.existsSync(path.join(DIR, 'valid.json')) ? false : 'tests/voting/records/valid.json not present';

function load(name) {
  return JSON.parse(fs.readFileSync(path.join(DIR, name), 'utf8'));
}

function context(record) {
  const election = record.events.find((e) => e.type === 'election').data;
  const publicKey = record.events.find((e) => e.type === 'election_key').data.public_key;
  return { election, publicKey };
}

function codeOf(fn) {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof InvalidBallot) return e.code;
    throw e;
  }
}

test('event hashes of the valid record recompute in JS', { skip }, () => {
  const record = load('valid.json');
  assert.ok(record.events.length > 5);
  for (const event of record.events) {
    const { hash, ...rest } = event;
    assert.equal(canonicalHash(rest), hash, `event ${event.seq} (${event.type})`);
  }
});

test('every ballot of the valid record verifies in JS, with the same tracker', { skip }, () => {
  const record = load('valid.json');
  const { election, publicKey } = context(record);
  const ballots = record.events.filter((e) => e.type === 'ballot');
  assert.ok(ballots.length > 0);
  for (const e of ballots) {
    assert.equal(e.data.ballot.election, electionFingerprint(election));
    assert.equal(ballotTracker(e.data.ballot), e.data.tracker);
    verifyBallot(election, publicKey, e.data.ballot);
  }
});

for (const [file, code] of [['ballot_bad_proof.json', 'choice_proof'], ['ballot_forged.json', 'ballot_signature']]) {
  test(`${file}: JS finds the bad ballot (${code})`, { skip: skip || (!fs.existsSync(path.join(DIR, file)) && `${file} not present`) }, () => {
    const record = load(file);
    const { election, publicKey } = context(record);
    const codes = record.events.filter((e) => e.type === 'ballot').map((e) => codeOf(() => verifyBallot(election, publicKey, e.data.ballot)));
    assert.ok(codes.includes(code), JSON.stringify(codes));
    assert.ok(codes.every((c) => c === null || c === code), JSON.stringify(codes));
  });
}
