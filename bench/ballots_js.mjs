// Browser-ballot timing on the reference ballot: board A at most 11 of 20,
// board B at most 7 of 12, five yes/no/abstain resolutions (47 choices).
//
//   node bench/ballots_js.mjs [--runs N]
//
// Prints exactly one JSON line: {"js_encrypt_ms": ..., "js_verify_ms": ...}
// (median over N runs after one warm-up, milliseconds, one ballot each: encrypt
// = encrypt + prove + sign; verify = shape + signature + every proof).  The
// Python bench runs this; node's timing approximates a desktop browser's, a
// phone is a few times slower.
import { encryptBallot, verifyBallot, generateCredential } from '../static/js/ballot/index.mjs';
import { baseMul, elementToHex, randomScalar } from '../static/js/ballot/group.mjs';

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const runs = Math.max(1, arg('--runs', 5));

function pad(i) {
  return String(i).padStart(2, '0');
}

function board(id, prefix, n, max, category, seats) {
  return {
    id, kind: 'board', choices: Array.from({ length: n }, (_, i) => `${prefix}${pad(i + 1)}`),
    min: 0, max, category, seats, majority: null, quorum: 0,
  };
}

const election = {
  version: 'unevoix/v1',
  id: 'ag-bench',
  title: 'Assemblée générale (bench)',
  contests: [
    board('board-a', 'a', 20, 11, 'A', 11),
    board('board-b', 'b', 12, 7, 'B', 7),
    ...[1, 2, 3, 4, 5].map((i) => ({
      id: `r${i}`, kind: 'resolution', choices: ['yes', 'no', 'abstain'], min: 1, max: 1,
      category: null, seats: null, majority: 'simple', quorum: 0,
    })),
  ],
  trustees: [1, 2, 3, 4, 5].map((i) => ({
    id: `t${i}`, name: `Scrutineer ${i}`, signing_key: pad(i).repeat(32), encryption_key: pad(i + 10).repeat(32),
  })),
  threshold: 3,
  tie_rule: 'ballot_order',
};

const publicKey = elementToHex(baseMul(randomScalar()));
const credential = generateCredential();
const selections = {
  'board-a': ['a01', 'a02', 'a03', 'a05', 'a08', 'a13', 'a14', 'a15', 'a17', 'a19', 'a20'],
  'board-b': ['b01', 'b02', 'b03', 'b04', 'b05', 'b06', 'b12'],
  r1: ['yes'], r2: ['no'], r3: ['abstain'], r4: ['yes'], r5: ['no'],
};

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

// warm-up: JIT, precomputed tables for g and y
verifyBallot(election, publicKey, encryptBallot(election, publicKey, credential, selections));

const enc = [];
const ver = [];
for (let i = 0; i < runs; i++) {
  let t = performance.now();
  const ballot = encryptBallot(election, publicKey, credential, selections);
  enc.push(performance.now() - t);
  t = performance.now();
  verifyBallot(election, publicKey, ballot);
  ver.push(performance.now() - t);
}

const round = (x) => Math.round(x * 10) / 10;
console.log(JSON.stringify({ js_encrypt_ms: round(median(enc)), js_verify_ms: round(median(ver)) }));
