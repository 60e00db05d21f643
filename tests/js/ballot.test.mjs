// Stand-alone tests of the browser ballot (no Python needed); the byte-exact
// comparison with voting.crypto is in interop.test.mjs via pytest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '../../static/js/ballot/index.mjs';
import { baseMul, elementToHex, identityEncoding } from '../../static/js/ballot/group.mjs';
import { recordingRng, deterministicRng } from '../../static/js/ballot/proofs.mjs';

const {
  encryptBallot, verifyBallot, ballotTracker, electionFingerprint, InvalidBallot, generateCredential,
  credentialPublic, isValidCredential, canonicalJson,
} = api;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const election = {
  version: 'unevoix/v1',
  id: 'small',
  title: 'Petite élection',
  contests: [
    { id: 'b', kind: 'board', choices: ['c1', 'c2', 'c3'], min: 0, max: 2, category: 'A', seats: 2, majority: null, quorum: 0 },
    { id: 'r', kind: 'resolution', choices: ['yes', 'no', 'abstain'], min: 1, max: 1, category: null, seats: null, majority: 'simple', quorum: 0 },
  ],
  trustees: [{ id: 't1', name: 'T', signing_key: 'aa'.repeat(32), encryption_key: 'bb'.repeat(32) }],
  threshold: 1,
  tie_rule: 'ballot_order',
};
const y = elementToHex(baseMul(424242n));
const cred = generateCredential(new Uint8Array(13).fill(7));
const cred2 = generateCredential(new Uint8Array(13).fill(8));
const sel = { b: ['c3', 'c1'], r: ['no'] };

function codeOf(fn) {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidBallot) return e.code;
    throw e;
  }
  return null;
}

test('public API is exported from index.mjs', () => {
  for (const name of ['encryptBallot', 'verifyBallot', 'ballotTracker', 'electionFingerprint', 'generateCredential',
    'normalizeCredential', 'credentialPublic', 'InvalidBallot', 'canonicalJson']) {
    assert.ok(name in api, name);
  }
});

test('encrypt then verify; shape follows the definition order', () => {
  const ballot = encryptBallot(election, y, cred, sel);
  verifyBallot(election, y, ballot, credentialPublic(cred));
  assert.deepEqual(Object.keys(ballot).sort(), ['contests', 'credential', 'election', 'signature']);
  assert.equal(ballot.election, electionFingerprint(election));
  assert.deepEqual(ballot.contests.map((c) => c.id), ['b', 'r']);
  assert.deepEqual(ballot.contests[0].choices.map((c) => c.id), ['c1', 'c2', 'c3']);
  assert.equal(ballot.contests[0].proof.length, 3); // values 0..2
  assert.equal(ballot.contests[1].proof.length, 1); // exactly one
  assert.match(ballotTracker(ballot), /^[0-9a-f]{64}$/);
  // JSON round trip (what the page posts) keeps it valid
  verifyBallot(election, y, JSON.parse(JSON.stringify(ballot)));
});

test('blank board and Map selections', () => {
  const ballot = encryptBallot(election, y, cred, new Map([['r', ['abstain']]]));
  verifyBallot(election, y, ballot);
});

test('same randomness gives the same ballot; randomness is fresh by default', () => {
  const a = encryptBallot(election, y, cred, sel, { seed: 'abc' });
  const b = encryptBallot(election, y, cred, sel, { seed: 'abc' });
  assert.equal(canonicalJson(a), canonicalJson(b));
  const c = encryptBallot(election, y, cred, sel);
  const d = encryptBallot(election, y, cred, sel);
  assert.notEqual(c.contests[0].choices[0].alpha, d.contests[0].choices[0].alpha);
});

test('the proofs bind the credential: a copied ballot fails even re-signed', () => {
  const rec = recordingRng(deterministicRng('copy'));
  const a = encryptBallot(election, y, cred, sel, { rng: rec });
  const b = encryptBallot(election, y, cred2, sel, { nonces: rec.drawn });
  assert.equal(a.contests[0].choices[0].alpha, b.contests[0].choices[0].alpha);
  assert.notDeepEqual(a.contests[0].choices[0].proof, b.contests[0].choices[0].proof);
  // splice cred's ciphertexts and proofs into cred2's envelope
  const copied = { ...b, contests: a.contests };
  assert.equal(codeOf(() => verifyBallot(election, y, copied)), 'ballot_signature');
});

test('tampering is detected with a reason code', () => {
  const good = encryptBallot(election, y, cred, sel);
  const clone = () => JSON.parse(JSON.stringify(good));
  let b = clone();
  b.signature = (b.signature[0] === '0' ? '1' : '0') + b.signature.slice(1);
  assert.equal(codeOf(() => verifyBallot(election, y, b)), 'ballot_signature');
  b = clone();
  b.election = '0'.repeat(64);
  assert.equal(codeOf(() => verifyBallot(election, y, b)), 'wrong_election');
  b = clone();
  delete b.contests[1].proof;
  assert.equal(codeOf(() => verifyBallot(election, y, b)), 'ballot_format');
  b = clone();
  b.contests[0].choices.pop();
  assert.equal(codeOf(() => verifyBallot(election, y, b)), 'ballot_format');
  assert.equal(codeOf(() => verifyBallot(election, y, good, credentialPublic(cred2))), 'wrong_credential');
  assert.equal(codeOf(() => verifyBallot(election, elementToHex(baseMul(5n)), good)), 'choice_proof');
  assert.equal(codeOf(() => verifyBallot(election, y, null)), 'ballot_format');
});

test('unprovable selections are refused', () => {
  const cases = [{ b: ['c1', 'c2', 'c3'], r: ['yes'] }, { r: [] }, { r: ['yes', 'no'] }, { r: ['x'] }, { zz: [], r: ['yes'] }];
  for (const s of cases) assert.equal(codeOf(() => encryptBallot(election, y, cred, s)), 'selection', JSON.stringify(s));
  assert.equal(codeOf(() => encryptBallot(election, y, cred, sel, { fingerprint: '0'.repeat(64) })), 'wrong_election');
  assert.throws(() => encryptBallot(election, identityEncoding(), cred, sel), /identity/);
  assert.throws(() => encryptBallot({ ...election, version: 'v0' }, y, cred, sel));
  assert.throws(() => encryptBallot(election, y, 'not-a-credential', sel));
});

test('credentials', () => {
  const c = generateCredential();
  assert.match(c, /^[1-9A-HJ-NP-Za-km-z]{5}(-[1-9A-HJ-NP-Za-km-z]{5}){3}$/);
  assert.ok(isValidCredential(c));
  assert.ok(isValidCredential(c.replaceAll('-', ' ')));
  assert.ok(!isValidCredential(c.slice(0, -1) + (c.at(-1) === '2' ? '3' : '2')));
  assert.ok(!isValidCredential(c + '1'));
  assert.match(credentialPublic(c), /^[0-9a-f]{64}$/);
});

// Browsers cannot resolve bare specifiers without an import map (which the
// CSP would block inline): every import of the ballot code and of the
// vendored noble files must be a relative path to a file under static/.
test('every module import resolves to a file under static/', () => {
  const roots = [path.join(ROOT, 'static', 'js', 'ballot'), path.join(ROOT, 'static', 'vendor', 'noble')];
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(m?js)$/.test(e.name)) files.push(p);
    }
  };
  roots.forEach(walk);
  assert.ok(files.length > 10);
  const re = /^\s*(?:import|export)\b[^'";]*?\bfrom\s*(['"])([^'"]+)\1|^\s*import\s*(['"])([^'"]+)\3/gms;
  for (const f of files) {
    const code = fs.readFileSync(f, 'utf8').split('\n').filter((l) => !/^\s*(\*|\/\/|\/\*)/.test(l)).join('\n');
    for (const m of code.matchAll(re)) {
      const spec = m[2] ?? m[4];
      assert.ok(spec.startsWith('./') || spec.startsWith('../'), `${f}: bare import ${spec}`);
      const target = path.resolve(path.dirname(f), spec);
      assert.ok(target.startsWith(path.join(ROOT, 'static') + path.sep), `${f}: ${spec} leaves static/`);
      assert.ok(fs.existsSync(target), `${f}: ${spec} missing`);
    }
  }
});
