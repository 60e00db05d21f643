// The prime-order group used by the election: secp256k1 (cofactor 1).
//
// Elements are noble Points; scalars are bigints in [0, n).  Encodings follow
// the Python reference (voting/crypto): an element is its 33-byte SEC1
// compressed form as 66 lowercase hex characters, and the identity (point at
// infinity, which secp256k1 libraries cannot serialise) has its own canonical
// encoding IDENTITY_HEX.  A scalar is 32 bytes big-endian, 64 lowercase hex.
import { secp256k1 } from '../../vendor/noble/curves/secp256k1.js';
import { bytesToHex, hexToBytes, bytesToBigInt, bigIntToBytes } from './encoding.mjs';

const Point = secp256k1.Point;

export const NAME = 'secp256k1';
export const ORDER = Point.Fn.ORDER;
export const FIELD = Point.Fp.ORDER;
export const G = Point.BASE;
export const IDENTITY = Point.ZERO;
export const ELEMENT_BYTES = 33;
export const SCALAR_BYTES = 32;
export const ELEMENT_HEX_LEN = 2 * ELEMENT_BYTES;
export const SCALAR_HEX_LEN = 2 * SCALAR_BYTES;

let identityHex = '00'.repeat(ELEMENT_BYTES);

/** Canonical hex of the identity element (set from the spec once known). */
export function identityEncoding() {
  return identityHex;
}

/** Only for aligning with the reference implementation's choice. */
export function _setIdentityEncoding(hex) {
  if (typeof hex !== 'string' || hex.length !== ELEMENT_HEX_LEN || !/^[0-9a-f]+$/.test(hex)) {
    throw new Error('identity encoding must be 66 lowercase hex characters');
  }
  identityHex = hex;
}

export function mod(a, m = ORDER) {
  const r = a % m;
  return r < 0n ? r + m : r;
}

export function isIdentity(P) {
  return P.is0();
}

export function add(P, Q) {
  return P.add(Q);
}

export function sub(P, Q) {
  return P.subtract(Q);
}

export function neg(P) {
  return P.negate();
}

export function eq(P, Q) {
  return P.equals(Q);
}

/** P * k for any bigint k (reduced mod n; 0 gives the identity). */
export function mul(P, k) {
  const s = mod(k);
  if (s === 0n || P.is0()) return IDENTITY;
  return P.multiply(s);
}

/**
 * P * k in variable time, only for public inputs (verification, and the
 * simulated branches of a proof whose c and s are published anyway).
 */
export function mulUnsafe(P, k) {
  const s = mod(k);
  if (s === 0n || P.is0()) return IDENTITY;
  return P.multiplyUnsafe(s);
}

/** g^k in variable time, only for public scalars. */
export function baseMulUnsafe(k) {
  return mulUnsafe(G, k);
}

/** g^k using the generator's precomputed table. */
export function baseMul(k) {
  return mul(G, k);
}

/** Returns a copy of P with a wNAF table, for a base used many times (e.g. the election key). */
export function precomputed(P, windowSize = 8) {
  if (P.is0()) return P;
  const Q = Point.fromAffine(P.toAffine());
  Q.precompute(windowSize, false);
  return Q;
}

function affineToHex(x, y) {
  return ((y & 1n) === 1n ? '03' : '02') + x.toString(16).padStart(64, '0');
}

/**
 * Canonical hex of an element.  Points reaching here were computed from
 * validated elements, so this skips noble's re-validation in toBytes() (and
 * its second inversion): SEC1 compressed form = parity prefix + x.
 */
export function elementToHex(P) {
  if (P.is0()) return identityHex;
  const { x, y } = P.toAffine();
  return affineToHex(x, y);
}

/** elementToHex of many points with one shared field inversion (Montgomery's trick). */
export function elementsToHex(points) {
  const Fp = Point.Fp;
  const n = points.length;
  const prefix = new Array(n);
  let acc = Fp.ONE;
  for (let i = 0; i < n; i++) {
    prefix[i] = acc;
    if (!points[i].is0()) acc = Fp.mul(acc, points[i].Z);
  }
  let inv = Fp.inv(acc);
  const out = new Array(n);
  for (let i = n - 1; i >= 0; i--) {
    const P = points[i];
    if (P.is0()) {
      out[i] = identityHex;
      continue;
    }
    const iz = Fp.mul(inv, prefix[i]);
    inv = Fp.mul(inv, P.Z);
    out[i] = affineToHex(Fp.mul(P.X, iz), Fp.mul(P.Y, iz));
  }
  return out;
}

/**
 * Parses and validates an element: lowercase hex, 33 bytes, on the curve,
 * canonical (x < p, prefix 02/03), the identity only with allowIdentity.
 * secp256k1 has cofactor 1, so on-curve means in the prime-order group.
 */
export function elementFromHex(hex, { allowIdentity = false } = {}) {
  if (typeof hex !== 'string' || hex.length !== ELEMENT_HEX_LEN || !/^[0-9a-f]+$/.test(hex)) {
    throw new Error('invalid group element encoding');
  }
  if (hex === identityHex) {
    if (!allowIdentity) throw new Error('identity element not allowed here');
    return IDENTITY;
  }
  const bytes = hexToBytes(hex);
  if (bytes[0] !== 2 && bytes[0] !== 3) throw new Error('invalid group element encoding');
  if (bytesToBigInt(bytes.subarray(1)) >= FIELD) throw new Error('invalid group element encoding');
  let P;
  try {
    P = Point.fromBytes(bytes);
  } catch {
    throw new Error('invalid group element: not on the curve');
  }
  P.assertValidity();
  // round-trip guards against any non-canonical form the parser tolerated
  if (bytesToHex(P.toBytes(true)) !== hex) throw new Error('invalid group element encoding');
  return P;
}

export function scalarToHex(k) {
  if (typeof k !== 'bigint' || k < 0n || k >= ORDER) throw new Error('scalar out of range');
  return bytesToHex(bigIntToBytes(k, SCALAR_BYTES));
}

export function scalarFromHex(hex) {
  if (typeof hex !== 'string' || hex.length !== SCALAR_HEX_LEN || !/^[0-9a-f]+$/.test(hex)) {
    throw new Error('invalid scalar encoding');
  }
  const k = BigInt('0x' + hex);
  if (k >= ORDER) throw new Error('scalar out of range');
  return k;
}

/** Uniform scalar in [1, n) from the platform CSPRNG (rejection sampling). */
export function randomScalar() {
  const buf = new Uint8Array(SCALAR_BYTES);
  for (;;) {
    globalThis.crypto.getRandomValues(buf);
    const k = bytesToBigInt(buf);
    if (k > 0n && k < ORDER) return k;
  }
}

export { Point };
