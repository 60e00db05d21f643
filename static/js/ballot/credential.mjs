// Voting credentials, mirroring voting/crypto/credential.py.
//
// A credential is 18 base-58 data characters (104 random bits) and 2 check
// characters, printed as four groups of five separated by '-'.  The check
// characters are the 2-digit base-58 of
// SHA-256("unevoix/v1/credential-check:" + data) mod 58^2.  The Ed25519 seed
// is HKDF-SHA256(ikm = compact credential (ASCII), salt =
// "unevoix/v1/credential", info = "ed25519-seed", length 32); the public
// credential is the raw 32-byte public key in lowercase hex.
import { ed25519 } from '../../vendor/noble/curves/ed25519.js';
import { hkdf } from '../../vendor/noble/hashes/hkdf.js';
import { sha256, sha512 } from '../../vendor/noble/hashes/sha2.js';
import { BASE58_ALPHABET, bytesToBigInt, bytesToHex, hexToBytes, utf8 } from './encoding.mjs';

export const DATA_CHARS = 18;
export const CHECK_CHARS = 2;
export const RANDOM_BYTES = 13;
const HKDF_SALT = utf8('unevoix/v1/credential');
const HKDF_INFO = utf8('ed25519-seed');
const CHECK_PREFIX = 'unevoix/v1/credential-check:';
const SEPARATORS = new Set(['-', ' ', '\t', '\r', '\n']);
const HEX_RE = /^[0-9a-f]+$/;

export class CredentialError extends Error {
  constructor(message) {
    super(message);
    this.name = 'CredentialError';
  }
}

/** Fixed-length base-58 of a non-negative bigint, most significant digit first. */
export function b58encodeInt(value, length) {
  let v = BigInt(value);
  let out = '';
  for (let i = 0; i < length; i++) {
    out = BASE58_ALPHABET[Number(v % 58n)] + out;
    v /= 58n;
  }
  if (v !== 0n) throw new Error('value too large for the requested length');
  return out;
}

function checkChars(data) {
  const digest = sha256(utf8(CHECK_PREFIX + data));
  return b58encodeInt(bytesToBigInt(digest) % 58n ** BigInt(CHECK_CHARS), CHECK_CHARS);
}

/** A fresh credential (entropy: 13 bytes, from the CSPRNG when omitted). */
export function generateCredential(entropy) {
  const raw = entropy ?? globalThis.crypto.getRandomValues(new Uint8Array(RANDOM_BYTES));
  if (raw.length !== RANDOM_BYTES) throw new CredentialError('credential entropy must be 13 bytes');
  const data = b58encodeInt(bytesToBigInt(raw), DATA_CHARS);
  const full = data + checkChars(data);
  const groups = [];
  for (let i = 0; i < full.length; i += 5) groups.push(full.slice(i, i + 5));
  return groups.join('-');
}

/** Strips separators and whitespace and checks the check characters; returns the compact form. */
export function normalizeCredential(text) {
  if (typeof text !== 'string') throw new CredentialError('malformed credential');
  let compact = '';
  for (const ch of text) if (!SEPARATORS.has(ch)) compact += ch;
  if (compact.length !== DATA_CHARS + CHECK_CHARS || [...compact].some((ch) => !BASE58_ALPHABET.includes(ch))) {
    throw new CredentialError('malformed credential');
  }
  const data = compact.slice(0, DATA_CHARS);
  if (checkChars(data) !== compact.slice(DATA_CHARS)) {
    throw new CredentialError('credential check characters do not match');
  }
  return compact;
}

/** True when the text is a well-formed credential (for form validation). */
export function isValidCredential(text) {
  try {
    normalizeCredential(text);
    return true;
  } catch {
    return false;
  }
}

/** The 32-byte Ed25519 seed (private key) of a credential. */
export function credentialSeed(credential) {
  const compact = normalizeCredential(credential);
  return hkdf(sha256, utf8(compact), HKDF_SALT, HKDF_INFO, 32);
}

/** { seed, publicKey (Uint8Array), publicHex } for a credential string. */
export function credentialKeys(credential) {
  const seed = credentialSeed(credential);
  const publicKey = ed25519.getPublicKey(seed);
  return { seed, publicKey, publicHex: bytesToHex(publicKey) };
}

/** The public credential (64 lowercase hex) of a credential string. */
export function credentialPublic(credential) {
  return credentialKeys(credential).publicHex;
}

/** Ed25519 signature (128 lowercase hex); deterministic, so equal to Python's. */
export function signWithSeed(seed, message) {
  return bytesToHex(ed25519.sign(message, seed));
}

// The prime order of the Ed25519 base point.
export const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;

function bytesToBigIntLE(bytes) {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/**
 * The one rule for a public credential (voting/crypto/ed25519.py is_full_order_key): a canonical
 * encoding of a curve point P with P != identity and [L]P = identity, i.e. of prime order L.
 * The identity 0100...00 and every small- or mixed-order point are refused: under the identity
 * key, R = identity, S = 0 "signs" any message.
 */
export function isFullOrderKey(publicHex) {
  if (typeof publicHex !== 'string' || publicHex.length !== 64 || !HEX_RE.test(publicHex)) return false;
  let point;
  try {
    point = ed25519.Point.fromHex(publicHex, false);
  } catch {
    return false;
  }
  if (bytesToHex(point.toBytes()) !== publicHex) return false; // canonical encoding only
  return !point.is0() && point.isTorsionFree();
}

/**
 * Ed25519 verification by the server's rule (OpenSSL's, behind voting/crypto/credential.py):
 * the key is of full order, S < L, and the encoding of [S]B - [k]A equals the signature's R
 * bytes, k = SHA-512(R || A || message) mod L (cofactorless). The browser and the server thus
 * accept exactly the same signatures.
 */
export function ed25519Verify(publicHex, signatureHex, message) {
  if (typeof signatureHex !== 'string' || signatureHex.length !== 128 || !HEX_RE.test(signatureHex)) return false;
  if (!isFullOrderKey(publicHex)) return false;
  try {
    const sig = hexToBytes(signatureHex);
    const rBytes = sig.subarray(0, 32);
    const s = bytesToBigIntLE(sig.subarray(32));
    if (s >= ED25519_L) return false;
    const aBytes = hexToBytes(publicHex);
    const a = ed25519.Point.fromHex(publicHex, false);
    const digest = sha512(new Uint8Array([...rBytes, ...aBytes, ...message]));
    const k = bytesToBigIntLE(digest) % ED25519_L;
    const r = ed25519.Point.BASE.multiplyUnsafe(s).subtract(a.multiplyUnsafe(k));
    return bytesToHex(r.toBytes()) === bytesToHex(rBytes);
  } catch {
    return false;
  }
}
