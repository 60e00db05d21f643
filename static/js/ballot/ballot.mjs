// Encrypted, proven and signed ballots: a port of voting/crypto/ballot.py
// (docs/election-record.md, section 4).  Given the same election definition,
// public key, credential, selections and randomness, encryptBallot returns
// exactly the ballot Python's encrypt_ballot returns, byte for byte.
import { IDENTITY, add, elementFromHex, elementToHex, elementsToHex, precomputed } from './group.mjs';
import { canonicalBytes, canonicalHash, concatBytes, sha256Bytes, sha256Hex, utf8 } from './encoding.mjs';
import { credentialKeys, ed25519Verify, signWithSeed } from './credential.mjs';
import {
  deterministicRng, encrypt, nonceRng, proveDisjunctive, randomScalar, verifyDisjunctive,
} from './proofs.mjs';

export const VERSION = 'unevoix/v1';
export const CHOICE_DOMAIN = 'unevoix/v1/choice-proof';
export const CONTEST_DOMAIN = 'unevoix/v1/contest-proof';
export const SIGNATURE_PREFIX = concatBytes(utf8('unevoix/v1/ballot'), new Uint8Array([0]));

const HEX_RE = /^[0-9a-f]+$/;

/** A ballot fails a check; `code` is the same stable reason code as in Python. */
export class InvalidBallot extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = 'InvalidBallot';
    this.code = code;
    this.detail = message;
  }
}

function isHex(text, length) {
  return typeof text === 'string' && text.length === length && HEX_RE.test(text);
}

function sameKeys(obj, keys) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return false;
  const k = Object.keys(obj);
  return k.length === keys.length && keys.every((x) => Object.prototype.hasOwnProperty.call(obj, x));
}

/** Election fingerprint: SHA-256 hex of the canonical JSON definition. */
export function electionFingerprint(election) {
  if (!election || election.version !== VERSION) throw new Error(`not a ${VERSION} election definition`);
  return canonicalHash(election);
}

const yCache = new Map();

/** Parses the election public key (hex or Point) with a cached precomputed table. */
function publicKeyElement(publicKey) {
  if (typeof publicKey !== 'string') return { y: publicKey, yHex: elementToHex(publicKey) };
  let y = yCache.get(publicKey);
  if (!y) {
    y = precomputed(elementFromHex(publicKey));
    if (yCache.size > 16) yCache.clear();
    yCache.set(publicKey, y);
  }
  return { y, yHex: publicKey };
}

function range(min, max) {
  const out = [];
  for (let v = min; v <= max; v++) out.push(v);
  return out;
}

function choiceStmt(fp, cred, contest, choice, y, alpha, beta) {
  return {
    domain: CHOICE_DOMAIN,
    election: fp,
    credential: cred,
    contest,
    choice,
    public_key: y,
    alpha,
    beta,
    values: [0, 1],
  };
}

function contestStmt(fp, cred, contest, y, alpha, beta) {
  return {
    domain: CONTEST_DOMAIN,
    election: fp,
    credential: cred,
    contest: contest.id,
    choices: [...contest.choices],
    public_key: y,
    alpha,
    beta,
    values: range(contest.min, contest.max),
  };
}

/** SHA-256 (32 bytes) of the canonical JSON of the ballot without its signature. */
export function unsignedBallotHash(ballot) {
  const unsigned = {};
  for (const [k, v] of Object.entries(ballot)) if (k !== 'signature') unsigned[k] = v;
  return sha256Bytes(canonicalBytes(unsigned));
}

/** The tracker shown to the voter: SHA-256 hex of the canonical signed ballot. */
export function ballotTracker(ballot) {
  return sha256Hex(canonicalBytes(ballot));
}

function pickRng(opts) {
  if (opts.rng) return opts.rng;
  if (opts.nonces) return nonceRng(opts.nonces);
  if (opts.seed !== undefined) return deterministicRng(opts.seed);
  return randomScalar;
}

/**
 * Encrypts, proves and signs a ballot.
 *
 * election: the definition object as published (its canonical hash is the
 *   fingerprint); publicKey: election key, 66 hex (or a group element);
 * credentialString: the voter's private credential (dashes/spaces allowed);
 * selections: { contestId: [choiceId, ...] } (or a Map; omitted contest = blank);
 * opts: { rng: () => bigint } | { nonces: [bigint|hex, ...] } | { seed: Uint8Array|string }
 *   (the latter two reproduce Python test vectors; by default the CSPRNG),
 *   and optionally { fingerprint } to assert the definition is the expected one.
 * Throws InvalidBallot('selection', ...) for an unprovable selection.
 */
export function encryptBallot(election, publicKey, credentialString, selections, opts = {}) {
  const draw = pickRng(opts);
  const fp = electionFingerprint(election);
  if (opts.fingerprint !== undefined && opts.fingerprint !== fp) {
    throw new InvalidBallot('wrong_election', 'the definition does not have the expected fingerprint');
  }
  const { y, yHex } = publicKeyElement(publicKey);
  const { seed, publicHex: cred } = credentialKeys(credentialString);
  const sel = selections instanceof Map ? selections : new Map(Object.entries(selections || {}));
  const contestIds = new Set(election.contests.map((c) => c.id));
  const unknown = [...sel.keys()].filter((k) => !contestIds.has(k)).sort();
  if (unknown.length) throw new InvalidBallot('selection', `unknown contest ${unknown[0]}`);

  const contestsOut = [];
  for (const contest of election.contests) {
    const chosen = new Set(sel.get(contest.id) || []);
    for (const ch of chosen) {
      if (!contest.choices.includes(ch)) throw new InvalidBallot('selection', `unknown choice in contest ${contest.id}`);
    }
    if (chosen.size < contest.min || chosen.size > contest.max) {
      throw new InvalidBallot(
        'selection',
        `contest ${contest.id}: ${chosen.size} selections, allowed ${contest.min}..${contest.max}`,
      );
    }
    const choicesOut = [];
    let bigA = IDENTITY;
    let bigB = IDENTITY;
    let rTotal = 0n;
    for (const choice of contest.choices) {
      const v = chosen.has(choice) ? 1 : 0;
      const r = draw();
      const [alpha, beta] = encrypt(y, v, r);
      const [aHex, bHex] = elementsToHex([alpha, beta]);
      const stmt = choiceStmt(fp, cred, contest.id, choice, yHex, aHex, bHex);
      const proof = proveDisjunctive(stmt, y, alpha, beta, [0, 1], v, r, draw);
      choicesOut.push({ id: choice, alpha: aHex, beta: bHex, proof });
      bigA = add(bigA, alpha);
      bigB = add(bigB, beta);
      rTotal += r;
    }
    const [bigAHex, bigBHex] = elementsToHex([bigA, bigB]);
    const stmt = contestStmt(fp, cred, contest, yHex, bigAHex, bigBHex);
    const values = range(contest.min, contest.max);
    const proof = proveDisjunctive(stmt, y, bigA, bigB, values, chosen.size, rTotal, draw);
    contestsOut.push({ id: contest.id, choices: choicesOut, proof });
  }
  const ballot = { election: fp, credential: cred, contests: contestsOut };
  ballot.signature = signWithSeed(seed, concatBytes(SIGNATURE_PREFIX, unsignedBallotHash(ballot)));
  return ballot;
}

/** Structure, fingerprint and identifiers, without any cryptography. */
export function checkBallotShape(election, ballot, fp = electionFingerprint(election)) {
  if (!sameKeys(ballot, ['election', 'credential', 'contests', 'signature'])) {
    throw new InvalidBallot('ballot_format', 'a ballot has exactly election, credential, contests, signature');
  }
  if (ballot.election !== fp) throw new InvalidBallot('wrong_election', 'the ballot is for another election fingerprint');
  if (!isHex(ballot.credential, 64) || !isHex(ballot.signature, 128)) {
    throw new InvalidBallot('ballot_format', 'credential or signature is not lowercase hex of the right length');
  }
  const contests = ballot.contests;
  if (!Array.isArray(contests) || contests.length !== election.contests.length) {
    throw new InvalidBallot('ballot_format', 'the ballot must answer every contest, in order');
  }
  election.contests.forEach((contest, i) => {
    const cj = contests[i];
    if (!sameKeys(cj, ['id', 'choices', 'proof']) || cj.id !== contest.id) {
      throw new InvalidBallot('ballot_format', `contest ${contest.id} malformed or out of order`);
    }
    if (!Array.isArray(cj.choices) || cj.choices.length !== contest.choices.length) {
      throw new InvalidBallot('ballot_format', `contest ${contest.id}: every choice, in order`);
    }
    contest.choices.forEach((choice, k) => {
      const ch = cj.choices[k];
      if (!sameKeys(ch, ['id', 'alpha', 'beta', 'proof']) || ch.id !== choice) {
        throw new InvalidBallot('ballot_format', `contest ${contest.id}: choice ${choice} malformed or out of order`);
      }
    });
  });
}

export function verifyBallotSignature(ballot) {
  const msg = concatBytes(SIGNATURE_PREFIX, unsignedBallotHash(ballot));
  if (!ed25519Verify(ballot.credential, ballot.signature, msg)) {
    throw new InvalidBallot('ballot_signature', 'the signature does not match the ballot and its credential');
  }
}

/** Validated [alpha, beta] per contest and choice; neither may be the identity. */
export function parseCiphertexts(ballot) {
  try {
    return ballot.contests.map((c) => c.choices.map((ch) => [elementFromHex(ch.alpha), elementFromHex(ch.beta)]));
  } catch (e) {
    throw new InvalidBallot('invalid_element', e.message);
  }
}

export function verifyBallotProofs(election, publicKey, ballot, fp = electionFingerprint(election)) {
  const { y, yHex } = publicKeyElement(publicKey);
  const cred = ballot.credential;
  const cts = parseCiphertexts(ballot);
  election.contests.forEach((contest, i) => {
    const cj = ballot.contests[i];
    let bigA = IDENTITY;
    let bigB = IDENTITY;
    contest.choices.forEach((choice, k) => {
      const ch = cj.choices[k];
      const [alpha, beta] = cts[i][k];
      const stmt = choiceStmt(fp, cred, contest.id, choice, yHex, ch.alpha, ch.beta);
      if (!verifyDisjunctive(stmt, y, alpha, beta, [0, 1], ch.proof)) {
        throw new InvalidBallot('choice_proof', `contest ${contest.id}, choice ${choice}: the 0/1 proof fails`);
      }
      bigA = add(bigA, alpha);
      bigB = add(bigB, beta);
    });
    const [bigAHex, bigBHex] = elementsToHex([bigA, bigB]);
    const stmt = contestStmt(fp, cred, contest, yHex, bigAHex, bigBHex);
    if (!verifyDisjunctive(stmt, y, bigA, bigB, range(contest.min, contest.max), cj.proof)) {
      throw new InvalidBallot('contest_proof', `contest ${contest.id}: the selection-count proof fails`);
    }
  });
}

/**
 * Checks everything about one ballot; throws InvalidBallot with a reason code
 * (ballot_format, wrong_election, wrong_credential, ballot_signature,
 * invalid_element, choice_proof, contest_proof), as Python's verify_ballot.
 */
export function verifyBallot(election, publicKey, ballot, credentialPublic = null) {
  const fp = electionFingerprint(election);
  checkBallotShape(election, ballot, fp);
  if (credentialPublic !== null && credentialPublic !== undefined && ballot.credential !== credentialPublic) {
    throw new InvalidBallot('wrong_credential', 'the ballot is signed by another credential');
  }
  verifyBallotSignature(ballot);
  verifyBallotProofs(election, publicKey, ballot, fp);
}
