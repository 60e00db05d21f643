// Threshold key generation and partial decryption for a scrutineer acting from
// the browser: a line-by-line port of voting/crypto/dkg.py (and of the file
// formats of voting/trustee.py).  Given the same keys and randomness it
// produces exactly the JSON the command line tool writes, with the same
// signatures; docs/election-record.md, sections 5.3-5.5 and 5.11.
//
// Randomness: opts.rng (() => bigint scalar, drawn in Python's order:
// the k coefficients, then the proof nonce w) and opts.ephemeral
// (() => 32-byte X25519 secret, one per other trustee in definition order).
// Both default to the platform CSPRNG; the deterministic ones exist only to
// reproduce the Python test vectors.
//
// Iteration order of a tally's sums: the order of the object's keys, as
// Python iterates its dict (only matters for reproducing deterministic
// vectors; identifiers that look like integers would be reordered by JS).
import { ed25519, x25519 } from '../../vendor/noble/curves/ed25519.js';
import { hkdf } from '../../vendor/noble/hashes/hkdf.js';
import { sha256 } from '../../vendor/noble/hashes/sha2.js';
import {
  IDENTITY, ORDER, add, baseMul, eq, elementFromHex, elementToHex, isIdentity, mod, mul, mulUnsafe,
  randomScalar, scalarFromHex, scalarToHex,
} from '../ballot/group.mjs';
import {
  bigIntToBytes, bytesToBigInt, bytesToHex, canonicalBytes, concatBytes, hexToBytes, sha256Bytes, utf8,
} from '../ballot/encoding.mjs';
import { ed25519Verify } from '../ballot/credential.mjs';
import { proveDlog, proveDlogEq, verifyDlog, verifyDlogEq } from '../ballot/proofs.mjs';
import { electionFingerprint } from '../ballot/ballot.mjs';
import { chacha20poly1305Open, chacha20poly1305Seal } from './aead.mjs';
import { isPrimeOrderU, proveX25519Dh, verifyX25519Dh } from './x25519-proof.mjs';

export const POK_DOMAIN = 'unevoix/v1/trustee-pok';
export const DECRYPTION_DOMAIN = 'unevoix/v1/decryption-proof';
export const TRUSTEE_SIG_PREFIX = concatBytes(utf8('unevoix/v1/trustee'), new Uint8Array([0]));
const HEX_RE = /^[0-9a-f]*$/;
const ZERO_NONCE = new Uint8Array(12);

/** A trustee's published data or private input is wrong; `code` is Python's TrusteeError code. */
export class TrusteeError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = 'TrusteeError';
    this.code = code;
    this.detail = message;
  }
}

export function isHex(text, length) {
  return typeof text === 'string' && text.length === length && HEX_RE.test(text);
}

function isObject(o) {
  return o !== null && typeof o === 'object' && !Array.isArray(o);
}

function hasExactKeys(o, keys) {
  if (!isObject(o)) return false;
  const k = Object.keys(o);
  return k.length === keys.length && keys.every((x) => Object.prototype.hasOwnProperty.call(o, x));
}

function sameSet(a, b) {
  const sa = new Set(a);
  return sa.size === a.length && a.length === b.length && b.every((x) => sa.has(x));
}

function randomBytes(n) {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

/** 32 random bytes clamped as an X25519 secret (as OpenSSL stores a generated key). */
export function randomX25519Secret() {
  const k = randomBytes(32);
  k[0] &= 248;
  k[31] &= 127;
  k[31] |= 64;
  return k;
}

// -- the election ----------------------------------------------------------------

/**
 * A light view of an election definition (the "election" event's data):
 * { definition, fingerprint, trustees, threshold, index(id) }.
 * Accepts the definition object or an already wrapped election.
 */
export function asElection(definition) {
  if (definition && definition.definition && definition.fingerprint && typeof definition.index === 'function') {
    return definition;
  }
  const fingerprint = electionFingerprint(definition);
  if (!Array.isArray(definition.trustees) || !Number.isSafeInteger(definition.threshold)) {
    throw new TrusteeError('trustee_format', 'the election definition has no trustees or threshold');
  }
  const trustees = definition.trustees;
  const positions = new Map(trustees.map((t, i) => [t.id, i + 1]));
  return {
    definition,
    fingerprint,
    trustees,
    threshold: definition.threshold,
    /** 1-based Shamir index (position in the definition); throws for a stranger. */
    index(id) {
      const i = positions.get(id);
      if (i === undefined) throw new TrusteeError('unknown_trustee', `${JSON.stringify(id)} is not a trustee of this election`);
      return i;
    },
    trustee(id) {
      return trustees[this.index(id) - 1];
    },
  };
}

// -- identities and signatures ------------------------------------------------------

/**
 * (private, public) trustee keys, as dkg.new_trustee_identity:
 * private {id, signing_seed, encryption_secret}, public {id, name, signing_key, encryption_key}.
 * opts.signingSeed / opts.encryptionSecret (32 bytes or 64 hex) only for test vectors.
 */
export function newTrusteeIdentity(trusteeId, name, opts = {}) {
  const asBytes = (v) => (typeof v === 'string' ? hexToBytes(v) : v);
  const seed = opts.signingSeed ? asBytes(opts.signingSeed) : randomBytes(32);
  const enc = opts.encryptionSecret ? asBytes(opts.encryptionSecret) : randomX25519Secret();
  if (seed.length !== 32 || enc.length !== 32) throw new Error('trustee keys are 32 bytes');
  const priv = { id: trusteeId, signing_seed: bytesToHex(seed), encryption_secret: bytesToHex(enc) };
  return { private: priv, public: publicIdentity(priv, name) };
}

/** The public half of a private identity file. */
export function publicIdentity(priv, name) {
  checkPrivateKey(priv);
  return {
    id: priv.id,
    name,
    signing_key: bytesToHex(ed25519.getPublicKey(hexToBytes(priv.signing_seed))),
    encryption_key: bytesToHex(x25519.getPublicKey(hexToBytes(priv.encryption_secret))),
  };
}

/** Throws TrusteeError('state_mismatch') unless `priv` looks like a trustee key file. */
export function checkPrivateKey(priv) {
  if (!isObject(priv) || typeof priv.id !== 'string' || !isHex(priv.signing_seed, 64) || !isHex(priv.encryption_secret, 64)) {
    throw new TrusteeError('state_mismatch', 'not a trustee private key ({id, signing_seed, encryption_secret})');
  }
}

function withoutSignature(data) {
  const body = {};
  for (const [k, v] of Object.entries(data)) if (k !== 'signature') body[k] = v;
  return body;
}

/** The bytes a trustee signs: prefix || SHA-256(canon({type, data without signature})). */
export function trusteeMessage(eventType, data) {
  return concatBytes(TRUSTEE_SIG_PREFIX, sha256Bytes(canonicalBytes({ type: eventType, data: withoutSignature(data) })));
}

export function signTrusteeData(priv, eventType, data) {
  const sig = ed25519.sign(trusteeMessage(eventType, data), hexToBytes(priv.signing_seed));
  return { ...data, signature: bytesToHex(sig) };
}

export function verifyTrusteeSignature(election, eventType, data) {
  const el = asElection(election);
  let info;
  try {
    info = el.trustee(data.trustee);
  } catch {
    throw new TrusteeError('unknown_trustee', `${JSON.stringify(data && data.trustee)} is not a trustee of this election`);
  }
  if (!ed25519Verify(info.signing_key, data.signature, trusteeMessage(eventType, data))) {
    throw new TrusteeError('trustee_signature', `trustee ${info.id}: the signature does not match`);
  }
}

// -- share encryption ----------------------------------------------------------------

function shareKey(shared, fp, dealer, recipient) {
  return hkdf(sha256, shared, hexToBytes(fp), utf8(`unevoix/v1/share:${dealer}:${recipient}`), 32);
}

/** f(recipient) sealed to the recipient's X25519 key: {ephemeral, ciphertext} (hex). */
export function encryptShare(fp, dealer, recipient, recipientKeyHex, share, ephemeralSecret = randomX25519Secret()) {
  const shared = x25519.getSharedSecret(ephemeralSecret, hexToBytes(recipientKeyHex));
  const ct = chacha20poly1305Seal(shareKey(shared, fp, dealer, recipient), ZERO_NONCE, bigIntToBytes(share, 32),
    utf8(`${dealer}:${recipient}`));
  return { ephemeral: bytesToHex(x25519.getPublicKey(ephemeralSecret)), ciphertext: bytesToHex(ct) };
}

export function decryptShare(fp, dealer, recipient, encryptionSecretHex, box) {
  let plain;
  try {
    const shared = x25519.getSharedSecret(hexToBytes(encryptionSecretHex), hexToBytes(box.ephemeral));
    plain = chacha20poly1305Open(shareKey(shared, fp, dealer, recipient), ZERO_NONCE, hexToBytes(box.ciphertext),
      utf8(`${dealer}:${recipient}`));
  } catch {
    throw new TrusteeError('share_decryption', `share from ${dealer} cannot be decrypted`);
  }
  const value = bytesToBigInt(plain);
  if (value >= ORDER) throw new TrusteeError('share_invalid', `share from ${dealer} is not a scalar`);
  return value;
}

// -- complaints (as voting/crypto/dkg.py): a dealer whose share is wrong -------------------
// The recipient reveals the X25519 secret of that one box (its ephemeral key is fresh per
// share) with a proof that it is the true one (x25519-proof.mjs). Anyone opens the box with it:
// a box that does not open, or opens to a share that does not match the dealer's commitments,
// proves the dealer at fault (an honest dealer's box opens under the true secret).

function openWithShared(fp, dealer, recipient, shared, box) {
  try {
    return bytesToBigInt(chacha20poly1305Open(shareKey(shared, fp, dealer, recipient), ZERO_NONCE,
      hexToBytes(box.ciphertext), utf8(`${dealer}:${recipient}`)));
  } catch {
    return null;
  }
}

function complaintContext(fp, recipient, dealer) {
  return { election: fp, trustee: recipient, dealer };
}

/** My signed complaint against the dealer of dealerData (its share to me is wrong). */
export function makeComplaint(election, priv, dealerData) {
  const el = asElection(election);
  const me = priv.id;
  const dealer = dealerData.trustee;
  let made;
  try {
    made = proveX25519Dh(complaintContext(el.fingerprint, me, dealer), priv.encryption_secret,
      el.trustee(me).encryption_key, dealerData.shares[me].ephemeral);
  } catch (exc) {
    throw new TrusteeError('state_mismatch', `cannot prove the secret of the share from ${dealer}: ${exc.message}`);
  }
  const data = { election: el.fingerprint, trustee: me, dealer, shared_secret: made.shared, proof: made.proof };
  verifyComplaint(el, dealerData, data, { signed: false }); // never accuse an honest dealer
  return signTrusteeData(priv, 'trustee_complaint', data);
}

/**
 * Throws TrusteeError unless `data` proves dealerData's share to the complainer wrong: the revealed
 * secret is proven true and the box does not open, or opens to a share that does not match.
 */
export function verifyComplaint(election, dealerData, data, { signed = true } = {}) {
  const el = asElection(election);
  const keys = ['election', 'trustee', 'dealer', 'shared_secret', 'proof', ...(signed ? ['signature'] : [])];
  if (!hasExactKeys(data, keys) || !isHex(data.shared_secret, 64)) {
    throw new TrusteeError('trustee_format', 'a complaint has exactly election, trustee, dealer, shared_secret, proof, signature');
  }
  if (signed) verifyTrusteeSignature(el, 'trustee_complaint', data);
  if (data.election !== el.fingerprint) throw new TrusteeError('wrong_election', 'complaint for another election');
  const me = data.trustee;
  const dealer = data.dealer;
  if (dealer === me || dealer !== dealerData.trustee) {
    throw new TrusteeError('trustee_format', "a trustee complains about another trustee's commitments");
  }
  const box = dealerData.shares[me];
  if (!verifyX25519Dh(complaintContext(el.fingerprint, me, dealer), el.trustee(me).encryption_key, box.ephemeral,
    data.shared_secret, data.proof)) {
    throw new TrusteeError('complaint_unfounded', `${me} does not prove the secret it reveals for the share from ${dealer}`);
  }
  const share = openWithShared(el.fingerprint, dealer, me, hexToBytes(data.shared_secret), box);
  if (share === null) return; // the true secret does not open the box: the dealer did not encrypt a share to me
  const commitments = dealerData.commitments.map((c) => elementFromHex(c));
  if (share < ORDER && eq(baseMul(share), commitmentEval(commitments, el.index(me)))) {
    throw new TrusteeError('complaint_unfounded', `the share from ${dealer} to ${me} matches its commitments`);
  }
}

/** Dealers (not in `excluded`) whose share to me does not open, or opens and does not match. */
export function badDealers(election, priv, step1, excluded = []) {
  const el = asElection(election);
  const me = priv.id;
  const out = [];
  for (const data of step1) {
    const dealer = data.trustee;
    if (dealer === me || excluded.includes(dealer)) continue;
    let share;
    try {
      share = decryptShare(el.fingerprint, dealer, me, priv.encryption_secret, data.shares[me]);
    } catch {
      out.push(dealer); // does not open, or not a scalar: a complaint proves either
      continue;
    }
    if (!eq(baseMul(share), commitmentEval(data.commitments.map((c) => elementFromHex(c)), el.index(me)))) out.push(dealer);
  }
  return out;
}

// -- key generation ------------------------------------------------------------------

function pokStmt(fp, trustee, commitments) {
  return { domain: POK_DOMAIN, election: fp, trustee, feldman: commitments };
}

function evalPoly(coeffs, x) {
  let acc = 0n;
  const bx = BigInt(x);
  for (let i = coeffs.length - 1; i >= 0; i--) acc = mod(acc * bx + coeffs[i]);
  return acc;
}

/**
 * Step 1, deal a polynomial: { data (signed, to publish), state (private, to keep) }.
 * data = {election, trustee, commitments, proof, shares, signature};
 * state = {id, election, coefficients} (voting.trustee's --state file).
 */
export function keygenStep1(election, priv, opts = {}) {
  const el = asElection(election);
  checkPrivateKey(priv);
  const draw = opts.rng || randomScalar;
  const ephemeral = opts.ephemeral || randomX25519Secret;
  const me = priv.id;
  el.index(me);
  const fp = el.fingerprint;
  const coeffs = [];
  for (let i = 0; i < el.threshold; i++) coeffs.push(draw());
  const commitments = coeffs.map((a) => elementToHex(baseMul(a)));
  const proof = proveDlog({ ...pokStmt(fp, me, commitments), public: commitments[0] }, coeffs[0], draw);
  const shares = {};
  el.trustees.forEach((t, i) => {
    if (t.id !== me) shares[t.id] = encryptShare(fp, me, t.id, t.encryption_key, evalPoly(coeffs, i + 1), ephemeral());
  });
  const data = { election: fp, trustee: me, commitments, proof, shares };
  const state = { id: me, election: fp, coefficients: coeffs.map(scalarToHex) };
  return { data: signTrusteeData(priv, 'trustee_commitments', data), state };
}

/** Checks a dealer's published step 1 (as dkg.verify_step1); returns its commitments (points). */
export function verifyStep1(election, data) {
  const el = asElection(election);
  if (!hasExactKeys(data, ['election', 'trustee', 'commitments', 'proof', 'shares', 'signature'])) {
    throw new TrusteeError('trustee_format', 'trustee commitments malformed');
  }
  verifyTrusteeSignature(el, 'trustee_commitments', data);
  if (data.election !== el.fingerprint) throw new TrusteeError('wrong_election', 'trustee data for another election');
  const cs = data.commitments;
  if (!Array.isArray(cs) || cs.length !== el.threshold) {
    throw new TrusteeError('trustee_format', `trustee ${data.trustee}: need ${el.threshold} commitments`);
  }
  let elems;
  try {
    elems = cs.map((c) => elementFromHex(c));
  } catch (exc) {
    throw new TrusteeError('invalid_element', `trustee ${data.trustee}: ${exc.message}`);
  }
  const stmt = { ...pokStmt(el.fingerprint, data.trustee, cs), public: cs[0] };
  if (!verifyDlog(stmt, elems[0], data.proof)) {
    throw new TrusteeError('trustee_proof', `trustee ${data.trustee}: proof of knowledge fails`);
  }
  const others = el.trustees.map((t) => t.id).filter((id) => id !== data.trustee);
  if (!isObject(data.shares) || !sameSet(Object.keys(data.shares), others)) {
    throw new TrusteeError('trustee_format', `trustee ${data.trustee}: one encrypted share per other trustee`);
  }
  for (const box of Object.values(data.shares)) {
    if (!hasExactKeys(box, ['ephemeral', 'ciphertext']) || !isHex(box.ephemeral, 64) || !isHex(box.ciphertext, 96)) {
      throw new TrusteeError('trustee_format', `trustee ${data.trustee}: malformed encrypted share`);
    }
    // An honest ephemeral key always has order L; any other would let the recipient neither open
    // the box nor prove its secret (5.4a), so it is refused at the door.
    if (!isPrimeOrderU(box.ephemeral)) {
      throw new TrusteeError('share_ephemeral',
        `trustee ${data.trustee}: an encrypted share's ephemeral key is not a valid X25519 key`);
    }
  }
  return elems;
}

/** prod_j C_j^(index^j) = g^(f(index)). */
export function commitmentEval(commitments, index) {
  let acc = IDENTITY;
  let power = 1n;
  for (const c of commitments) {
    acc = add(acc, mulUnsafe(c, power));
    power = mod(power * BigInt(index));
  }
  return acc;
}

/** SHA-256 hex of the canonical JSON of a trustee's step-1 data (what "dealers" acknowledges). */
export function step1Hash(data) {
  return bytesToHex(sha256Bytes(canonicalBytes(data)));
}

/**
 * Step 2: check every dealer's share to me; { data (signed public share), secret (private share) }.
 * step1: every trustee's published step-1 data (an array).
 * data = {election, trustee, public_share, dealers, signature}; secret = {id, election, share}.
 */
export function keygenStep2(election, priv, state, step1, disqualified = []) {
  const el = asElection(election);
  checkPrivateKey(priv);
  const me = priv.id;
  const myIndex = el.index(me);
  const fp = el.fingerprint;
  if (!isObject(state) || state.election !== fp || state.id !== me || !Array.isArray(state.coefficients)) {
    throw new TrusteeError('state_mismatch', 'the private state belongs to another election or trustee');
  }
  const byDealer = new Map();
  for (const d of step1) if (isObject(d)) byDealer.set(d.trustee, d);
  const missing = el.trustees.filter((t) => !byDealer.has(t.id)).map((t) => t.id);
  if (missing.length) throw new TrusteeError('missing_trustee', `no commitments yet from: ${missing.join(', ')}`);
  const qualified = el.trustees.filter((t) => !disqualified.includes(t.id));
  let total = 0n;
  for (const t of qualified) {
    const data = byDealer.get(t.id);
    const commitments = verifyStep1(el, data);
    let share;
    if (t.id === me) {
      let coeffs;
      try {
        coeffs = state.coefficients.map(scalarFromHex);
      } catch {
        throw new TrusteeError('state_mismatch', 'my private state is malformed');
      }
      const mine = coeffs.map((a) => elementToHex(baseMul(a)));
      if (mine.length !== data.commitments.length || mine.some((c, i) => c !== data.commitments[i])) {
        throw new TrusteeError('state_mismatch', 'my published commitments do not match my private state');
      }
      share = evalPoly(coeffs, myIndex);
    } else {
      share = decryptShare(fp, t.id, me, priv.encryption_secret, data.shares[me]);
      if (!eq(baseMul(share), commitmentEval(commitments, myIndex))) {
        throw new TrusteeError('share_invalid', `the share from ${t.id} does not match its commitments`);
      }
    }
    total = mod(total + share);
  }
  const dealers = {};
  for (const t of qualified) dealers[t.id] = step1Hash(byDealer.get(t.id));
  const data = { election: fp, trustee: me, public_share: elementToHex(baseMul(total)), dealers };
  const secret = { id: me, election: fp, share: scalarToHex(total) };
  return { data: signTrusteeData(priv, 'trustee_share', data), secret };
}

/** The joint election key prod_i C_i0 from every dealer's commitments (arrays of points). */
export function jointPublicKey(allCommitments) {
  return allCommitments.reduce((acc, cs) => add(acc, cs[0]), IDENTITY);
}

/** g^(x_j) of trustee j, computable by anyone from the commitments ({id: [points]}). */
export function publicShare(election, allCommitments, trusteeId) {
  const el = asElection(election);
  const index = el.index(trusteeId);
  return Object.values(allCommitments).reduce((acc, cs) => add(acc, commitmentEval(cs, index)), IDENTITY);
}

// -- threshold decryption -----------------------------------------------------------------

function decStmt(fp, trustee, yI, cat, contest, choice, alpha, d) {
  return {
    domain: DECRYPTION_DOMAIN,
    election: fp,
    trustee,
    public_share: yI,
    category: cat,
    contest,
    choice,
    alpha,
    factor: d,
  };
}

/**
 * Signed partial decryption of every encrypted total, each with a Chaum-Pedersen proof:
 * {election, trustee, tally, public_share, factors, signature}.
 * sums: the tally event's "sums"; tallyHash: the tally event's hash.
 */
export function partialDecrypt(election, priv, shareHex, sums, tallyHash, opts = {}) {
  const el = asElection(election);
  checkPrivateKey(priv);
  const draw = opts.rng || randomScalar;
  let x;
  try {
    x = scalarFromHex(shareHex);
  } catch {
    throw new TrusteeError('state_mismatch', 'my secret share is malformed');
  }
  const me = priv.id;
  const fp = el.fingerprint;
  const yI = elementToHex(baseMul(x));
  const factors = {};
  for (const [cat, perContest] of Object.entries(sums)) {
    factors[cat] = {};
    for (const [cid, perChoice] of Object.entries(perContest)) {
      factors[cat][cid] = {};
      for (const [chid, ct] of Object.entries(perChoice)) {
        const alpha = elementFromHex(ct.alpha, { allowIdentity: true });
        const d = elementToHex(mul(alpha, x));
        const stmt = decStmt(fp, me, yI, cat, cid, chid, ct.alpha, d);
        factors[cat][cid][chid] = { factor: d, proof: proveDlogEq(stmt, alpha, x, draw) };
      }
    }
  }
  const data = { election: fp, trustee: me, tally: tallyHash, public_share: yI, factors };
  return signTrusteeData(priv, 'partial_decryption', data);
}

/** Checks a partial decryption (as dkg.verify_partial_decryption); returns {cat: {contest: {choice: point}}}. */
export function verifyPartialDecryption(election, data, expectedShare, sums, tallyHash) {
  const el = asElection(election);
  if (!hasExactKeys(data, ['election', 'trustee', 'tally', 'public_share', 'factors', 'signature'])) {
    throw new TrusteeError('decryption_format', 'partial decryption malformed');
  }
  verifyTrusteeSignature(el, 'partial_decryption', data);
  const who = data.trustee;
  if (data.election !== el.fingerprint || data.tally !== tallyHash) {
    throw new TrusteeError('decryption_format', `trustee ${who}: partial decryption of another tally`);
  }
  const expected = typeof expectedShare === 'string' ? expectedShare : elementToHex(expectedShare);
  if (data.public_share !== expected) {
    throw new TrusteeError('decryption_share', `trustee ${who}: public share differs from the key generation`);
  }
  const bigY = elementFromHex(expected);
  const cover = () => new TrusteeError('decryption_format', `trustee ${who}: factors do not cover the tally`);
  const factors = data.factors;
  if (!isObject(factors) || !sameSet(Object.keys(factors), Object.keys(sums))) throw cover();
  const out = {};
  for (const [cat, perContest] of Object.entries(sums)) {
    out[cat] = {};
    if (!isObject(factors[cat]) || !sameSet(Object.keys(factors[cat]), Object.keys(perContest))) throw cover();
    for (const [cid, perChoice] of Object.entries(perContest)) {
      out[cat][cid] = {};
      const got = factors[cat][cid];
      if (!isObject(got) || !sameSet(Object.keys(got), Object.keys(perChoice))) throw cover();
      for (const [chid, ct] of Object.entries(perChoice)) {
        const item = got[chid];
        if (!hasExactKeys(item, ['factor', 'proof'])) {
          throw new TrusteeError('decryption_format', `trustee ${who}: malformed factor`);
        }
        const alpha = elementFromHex(ct.alpha, { allowIdentity: true });
        let d;
        try {
          d = elementFromHex(item.factor, { allowIdentity: isIdentity(alpha) });
        } catch (exc) {
          throw new TrusteeError('invalid_element', `trustee ${who}: ${exc.message}`);
        }
        if (isIdentity(alpha) && !isIdentity(d)) {
          throw new TrusteeError('decryption_proof', `trustee ${who}: ${cat}/${cid}/${chid} factor of the identity`);
        }
        const stmt = decStmt(el.fingerprint, who, data.public_share, cat, cid, chid, ct.alpha, item.factor);
        if (!verifyDlogEq(stmt, bigY, alpha, d, item.proof)) {
          throw new TrusteeError('decryption_proof', `trustee ${who}: proof fails for ${cat}/${cid}/${chid}`);
        }
        out[cat][cid][chid] = d;
      }
    }
  }
  return out;
}
