// Proof that a revealed X25519 shared secret is the true one, for a key-generation complaint
// (docs/election-record.md, 5.4a): the JavaScript twin of the second half of
// voting/crypto/ed25519.py (same rule, same bytes; shared vectors in
// tests/voting/fixtures/x25519_dh_vectors.json).
//
// P = lift(encryption_key), E = lift(ephemeral), S = the published shared point (Edwards),
// u(S) = shared_secret and log_B(P) = log_E(S) (Chaum-Pedersen, Fiat-Shamir, SHA-512 mod L).
// The lift of a Montgomery u is the Edwards point y = (u - 1)/(u + 1) with x even.
// P, E and S must each have order exactly L: a torsion part in S would let a prover shift
// u(S) to a made-up secret (see the Python module for the whole argument).
import { ed25519 } from '../../vendor/noble/curves/ed25519.js';
import { sha512 } from '../../vendor/noble/hashes/sha2.js';
import { bytesToHex, canonicalBytes, concatBytes, hexToBytes, utf8 } from '../ballot/encoding.mjs';

export const X25519_DH_DOMAIN = 'unevoix/v1/x25519-dh-proof';
const NONCE_PREFIX = concatBytes(utf8('unevoix/v1/x25519-dh-nonce'), new Uint8Array([0]));
const Point = ed25519.Point;
const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const HEX64 = /^[0-9a-f]{64}$/;

const modP = (v) => ((v % P) + P) % P;

function powP(base, exp) {
  let out = 1n;
  let b = modP(base);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) out = (out * b) % P;
    b = (b * b) % P;
  }
  return out;
}

const invP = (v) => powP(v, P - 2n);

function leToBigInt(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

function bigIntToLe(n) {
  const out = new Uint8Array(32);
  let v = n;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The Edwards point with x even whose Montgomery u is uHex (canonical, u < p); null if none. */
export function liftU(uHex) {
  if (typeof uHex !== 'string' || !HEX64.test(uHex)) return null;
  const u = leToBigInt(hexToBytes(uHex));
  if (u >= P || u === P - 1n) return null;
  const y = modP((u - 1n) * invP(u + 1n));
  try {
    return Point.fromBytes(bigIntToLe(y), false); // strict RFC 8032 decoding; sign bit 0: x even
  } catch {
    return null; // u is on the twist
  }
}

/** The Montgomery u of an Edwards point other than the identity, as X25519 writes it (hex). */
export function uOf(point) {
  const { y } = point.toAffine();
  return bytesToHex(bigIntToLe(modP((1n + y) * invP(1n - y))));
}

function primeOrder(point) {
  return point !== null && !point.is0() && point.isTorsionFree();
}

/** True if uHex is a canonical u-coordinate of a point of order L (as every honest X25519 key). */
export function isPrimeOrderU(uHex) {
  return primeOrder(liftU(uHex));
}

function dhStmt(context, keyHex, ephHex, sharedHex, pointHex) {
  return {
    ...context, domain: X25519_DH_DOMAIN, encryption_key: keyHex, ephemeral: ephHex,
    shared_secret: sharedHex, shared_point: pointHex,
  };
}

function dhChallenge(stmt, r1, r2) {
  return leToBigInt(sha512(canonicalBytes({ ...stmt, commitments: [r1.toHex(), r2.toHex()] }))) % L;
}

const scalarHex = (n) => n.toString(16).padStart(64, '0');

/**
 * { shared, proof } for X25519(secret, ephemeral) by the holder of secretHex (raw X25519 key whose
 * public key is keyHex). Deterministic (nonce from the secret and the statement), as in Python.
 */
export function proveX25519Dh(context, secretHex, keyHex, ephHex) {
  const raw = hexToBytes(secretHex);
  raw[0] &= 248; // X25519 clamping (RFC 7748, 5)
  raw[31] = (raw[31] & 127) | 64;
  const a = leToBigInt(raw);
  const bigA = Point.BASE.multiply(a % L);
  if (uOf(bigA) !== keyHex) throw new Error('the encryption key is not this secret\'s');
  const w = (bigA.toBytes()[31] & 0x80) === 0 ? a % L : (L - (a % L)) % L; // w·B = lift(key): x even
  const e = liftU(ephHex);
  if (!primeOrder(e)) throw new Error('the ephemeral key is not a point of order L');
  const s = e.multiply(w);
  const shared = uOf(s);
  const pointHex = s.toHex();
  const stmt = dhStmt(context, keyHex, ephHex, shared, pointHex);
  const r = leToBigInt(sha512(concatBytes(NONCE_PREFIX, raw, canonicalBytes(stmt)))) % L;
  const c = dhChallenge(stmt, Point.BASE.multiply(r), e.multiply(r));
  return { shared, proof: { shared_point: pointHex, c: scalarHex(c), s: scalarHex((r + c * w) % L) } };
}

/** True if proof shows sharedHex = X25519(a, ephHex) for the a behind keyHex. */
export function verifyX25519Dh(context, keyHex, ephHex, sharedHex, proof) {
  if (proof === null || typeof proof !== 'object' || Array.isArray(proof)) return false;
  const keys = Object.keys(proof);
  if (keys.length !== 3 || !['shared_point', 'c', 's'].every((k) => keys.includes(k))) return false;
  if (!keys.every((k) => typeof proof[k] === 'string' && HEX64.test(proof[k]))) return false;
  const c = BigInt(`0x${proof.c}`);
  const s = BigInt(`0x${proof.s}`);
  if (c >= L || s >= L) return false;
  const bigP = liftU(keyHex);
  const e = liftU(ephHex);
  let sPt;
  try {
    sPt = Point.fromHex(proof.shared_point, false); // strict: one encoding per point
  } catch {
    return false;
  }
  if (!(primeOrder(bigP) && primeOrder(e) && primeOrder(sPt))) return false; // the cofactor trap
  if (uOf(sPt) !== sharedHex) return false;
  const r1 = Point.BASE.multiplyUnsafe(s).subtract(bigP.multiplyUnsafe(c));
  const r2 = e.multiplyUnsafe(s).subtract(sPt.multiplyUnsafe(c));
  return c === dhChallenge(dhStmt(context, keyHex, ephHex, sharedHex, proof.shared_point), r1, r2);
}
