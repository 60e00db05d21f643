// Exponential ElGamal and Chaum-Pedersen proofs (Fiat-Shamir, SHA-256),
// a line-by-line port of voting/crypto/proofs.py.
//
// Proofs are in compact form: per branch a challenge c and a response s; the
// verifier recomputes A = g^s * a^-c and B = y^s * (b/g^v)^-c and checks that
// the challenges sum (mod n) to SHA-256(canonical JSON of the statement with
// "commitments": [[A_hex, B_hex], ...]) as a big-endian integer mod n.
//
// Randomness: an rng is a function returning a scalar (bigint in [1, n)).
// The order in which scalars are drawn is part of the interface (it lets the
// JS reproduce Python's proofs byte for byte from the same randomness):
// prove_disjunctive draws w for the real branch first, then c_j, s_j for every
// other branch in ascending order of value.
import {
  ORDER, G, IDENTITY, baseMul, baseMulUnsafe, mul, mulUnsafe, mod, add, neg, elementToHex, elementsToHex,
  scalarToHex, scalarFromHex, randomScalar,
} from './group.mjs';
import { canonicalBytes, sha256Bytes, bytesToBigInt, concatBytes, bigIntToBytes, utf8 } from './encoding.mjs';

const NEG_G = neg(G);

/** Fiat-Shamir challenge: SHA-256 of the canonical JSON statement, big-endian, mod n. */
export function challenge(stmt) {
  return mod(bytesToBigInt(sha256Bytes(canonicalBytes(stmt))));
}

/**
 * Deterministic scalars SHA-256(seed || counter as 4-byte big-endian) mod n,
 * skipping 0: the same stream as Python's deterministic_rng.  For test
 * vectors only, never for real ballots.  seed: Uint8Array, hex or string (UTF-8).
 */
export function deterministicRng(seed) {
  const seedBytes = seed instanceof Uint8Array ? seed : utf8(String(seed));
  let counter = 0;
  return () => {
    for (;;) {
      const digest = sha256Bytes(concatBytes(seedBytes, bigIntToBytes(BigInt(counter), 4)));
      counter += 1;
      const v = mod(bytesToBigInt(digest));
      if (v !== 0n) return v;
    }
  };
}

/** An rng that hands out the given scalars (bigint or 64-hex) in order, then fails. */
export function nonceRng(nonces) {
  const list = [...nonces].map((n) => (typeof n === 'bigint' ? n : scalarFromHex(n)));
  let i = 0;
  return () => {
    if (i >= list.length) throw new Error('nonce list exhausted');
    const v = list[i++];
    if (v <= 0n || v >= ORDER) throw new Error('nonce out of range');
    return v;
  };
}

/** Wraps an rng so that every scalar it hands out is also recorded in .drawn. */
export function recordingRng(rng) {
  const drawn = [];
  const f = () => {
    const v = rng();
    drawn.push(v);
    return v;
  };
  f.drawn = drawn;
  return f;
}

export { randomScalar };

/** Exponential ElGamal: (g^r, y^r * g^value); value is a small non-negative integer. */
export function encrypt(y, value, r) {
  const v = BigInt(value);
  const gv = v === 0n ? IDENTITY : v === 1n ? G : baseMul(v);
  return [baseMul(r), add(mul(y, r), gv)];
}

/** beta / g^v for each v of a consecutive ascending range. */
function shifted(beta, values) {
  const out = [];
  let cur = values[0] ? add(beta, neg(baseMul(BigInt(values[0])))) : beta;
  for (let i = 0; i < values.length; i++) {
    if (i) cur = add(cur, NEG_G);
    out.push(cur);
  }
  return out;
}

/** [[hex(p0), hex(p1)], [hex(p2), hex(p3)], ...] with one shared inversion. */
function pairsOfHex(points) {
  const hex = elementsToHex(points);
  const out = [];
  for (let i = 0; i < hex.length; i += 2) out.push([hex[i], hex[i + 1]]);
  return out;
}

function checkRange(values) {
  if (!values.length) throw new Error('empty value range');
  for (let i = 1; i < values.length; i++) {
    if (values[i] !== values[i - 1] + 1) throw new Error('values must be consecutive ascending');
  }
}

/**
 * Proves that (alpha, beta) encrypts one of `values` (consecutive ascending
 * integers) under y, knowing the value and the randomness r.
 * Returns [{c, s}, ...] in hex, one per value.
 */
export function proveDisjunctive(stmt, y, alpha, beta, values, realValue, r, rng) {
  checkRange(values);
  const real = values.indexOf(realValue);
  if (real < 0) throw new Error('the encrypted value is outside the provable range');
  const sh = shifted(beta, values);
  const w = rng();
  const cs = new Array(values.length).fill(0n);
  const ss = new Array(values.length).fill(0n);
  const points = [];
  for (let j = 0; j < values.length; j++) {
    if (j === real) {
      points.push(baseMul(w), mul(y, w));
    } else {
      cs[j] = rng();
      ss[j] = rng();
      const negC = ORDER - cs[j];
      // c_j and s_j are published: variable-time arithmetic leaks nothing new
      points.push(add(baseMulUnsafe(ss[j]), mulUnsafe(alpha, negC)), add(mulUnsafe(y, ss[j]), mulUnsafe(sh[j], negC)));
    }
  }
  const c = challenge({ ...stmt, commitments: pairsOfHex(points) });
  const others = cs.reduce((acc, v) => acc + v, 0n);
  cs[real] = mod(c - others);
  ss[real] = mod(w + cs[real] * BigInt(r));
  return cs.map((cj, j) => ({ c: scalarToHex(cj), s: scalarToHex(ss[j]) }));
}

function parseProofPairs(proof, n) {
  if (!Array.isArray(proof) || proof.length !== n) return null;
  const pairs = [];
  for (const p of proof) {
    if (p === null || typeof p !== 'object' || Array.isArray(p)) return null;
    const keys = Object.keys(p).sort();
    if (keys.length !== 2 || keys[0] !== 'c' || keys[1] !== 's') return null;
    try {
      pairs.push([scalarFromHex(p.c), scalarFromHex(p.s)]);
    } catch {
      return null;
    }
  }
  return pairs;
}

/** Checks a disjunctive proof; returns a boolean. */
export function verifyDisjunctive(stmt, y, alpha, beta, values, proof) {
  checkRange(values);
  const pairs = parseProofPairs(proof, values.length);
  if (!pairs) return false;
  const sh = shifted(beta, values);
  const points = [];
  let total = 0n;
  for (let j = 0; j < pairs.length; j++) {
    const [c, s] = pairs[j];
    const negC = ORDER - c;
    points.push(add(baseMulUnsafe(s), mulUnsafe(alpha, negC)), add(mulUnsafe(y, s), mulUnsafe(sh[j], negC)));
    total += c;
  }
  return mod(total) === challenge({ ...stmt, commitments: pairsOfHex(points) });
}

/** Chaum-Pedersen proof that log_g(g^x) = log_h(h^x); stmt must already hold both. */
export function proveDlogEq(stmt, h, x, rng) {
  const w = rng();
  const commitments = [elementToHex(baseMul(w)), elementToHex(mul(h, w))];
  const c = challenge({ ...stmt, commitments });
  return { c: scalarToHex(c), s: scalarToHex(mod(w + c * x)) };
}

/** Checks a proof that log_g(bigX) = log_h(d). */
export function verifyDlogEq(stmt, bigX, h, d, proof) {
  const pairs = parseProofPairs([proof], 1);
  if (!pairs) return false;
  const [c, s] = pairs[0];
  const negC = ORDER - c;
  const a = add(baseMulUnsafe(s), mulUnsafe(bigX, negC));
  const b = add(mulUnsafe(h, s), mulUnsafe(d, negC));
  return c === challenge({ ...stmt, commitments: [elementToHex(a), elementToHex(b)] });
}

/** Schnorr proof of knowledge of x = log_g(X); stmt must already hold X. */
export function proveDlog(stmt, x, rng) {
  const w = rng();
  const c = challenge({ ...stmt, commitment: elementToHex(baseMul(w)) });
  return { c: scalarToHex(c), s: scalarToHex(mod(w + c * x)) };
}

export function verifyDlog(stmt, bigX, proof) {
  const pairs = parseProofPairs([proof], 1);
  if (!pairs) return false;
  const [c, s] = pairs[0];
  const a = add(baseMulUnsafe(s), mulUnsafe(bigX, ORDER - c));
  return c === challenge({ ...stmt, commitment: elementToHex(a) });
}
