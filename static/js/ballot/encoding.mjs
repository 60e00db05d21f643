// Canonical encoding helpers shared by the ballot code.
//
// Canonical JSON here is byte-for-byte what voting/crypto/encoding.py
// canonical_json() produces:
//   json.dumps(obj, sort_keys=True, separators=(",", ":"),
//              ensure_ascii=False, allow_nan=False).encode("utf-8")
// i.e. keys sorted by Unicode code point, no insignificant whitespace,
// non-ASCII characters written as raw UTF-8, only '"', '\\', and control
// characters below U+0020 escaped (\n \r \t \b \f by name, the rest as \u00xx
// lowercase), integers only (floats are refused, as in Python), BigInt
// accepted as an integer.  A lone surrogate cannot be encoded as UTF-8 and is
// refused (Python raises UnicodeEncodeError there too).
import { sha256 } from '../../vendor/noble/hashes/sha2.js';

const HEX = '0123456789abcdef';
const HEX_RE = /^(?:[0-9a-f]{2})*$/;

export function bytesToHex(bytes) {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('bytesToHex: expected Uint8Array');
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return out;
}

/** Strict: lowercase, even length. */
export function hexToBytes(hex) {
  if (typeof hex !== 'string' || !HEX_RE.test(hex)) throw new Error('hexToBytes: not lowercase even-length hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function utf8(str) {
  return new TextEncoder().encode(str);
}

export function concatBytes(...parts) {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function sha256Bytes(data) {
  return sha256(typeof data === 'string' ? utf8(data) : data);
}

export function sha256Hex(data) {
  return bytesToHex(sha256Bytes(data));
}

/** Big-endian unsigned integer of fixed byte length -> bigint. */
export function bytesToBigInt(bytes) {
  return bytes.length ? BigInt('0x' + bytesToHex(bytes)) : 0n;
}

export function bigIntToBytes(n, length) {
  if (typeof n !== 'bigint' || n < 0n) throw new Error('bigIntToBytes: expected non-negative bigint');
  const hex = n.toString(16).padStart(2 * length, '0');
  if (hex.length > 2 * length) throw new Error('bigIntToBytes: too large');
  return hexToBytes(hex);
}

// ---------------------------------------------------------------- JSON

const LONE_SURROGATE = /\p{Surrogate}/u; // in u-mode a valid pair is one code point

// JSON.stringify of a string escapes exactly the characters Python's
// json.dumps(ensure_ascii=False) escapes, with the same spellings ('\n', ...,
// '\u001f' lowercase), except lone surrogates, which we refuse.
function escapeString(s) {
  if (LONE_SURROGATE.test(s)) throw new Error('canonicalJson: lone surrogate');
  return JSON.stringify(s);
}

// Python sorts str keys by code point; JS's default sort compares UTF-16 code
// units, which differs for characters above U+FFFF versus U+E000..U+FFFF.
function compareCodePoints(a, b) {
  const ai = a[Symbol.iterator]();
  const bi = b[Symbol.iterator]();
  for (;;) {
    const x = ai.next();
    const y = bi.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0);
    const cy = y.value.codePointAt(0);
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

function serialize(value) {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') return escapeString(value);
  if (typeof value === 'bigint') return value.toString(10);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`canonicalJson: non-integer or unsafe number ${value}`);
    return Object.is(value, -0) ? '0' : String(value);
  }
  if (Array.isArray(value)) return '[' + value.map(serialize).join(',') + ']';
  if (typeof value === 'object') {
    if (value instanceof Uint8Array) throw new Error('canonicalJson: encode bytes as hex first');
    const keys = Object.keys(value).filter((k) => value[k] !== undefined);
    keys.sort(compareCodePoints);
    return '{' + keys.map((k) => escapeString(k) + ':' + serialize(value[k])).join(',') + '}';
  }
  throw new Error(`canonicalJson: cannot encode ${typeof value}`);
}

/** Canonical JSON text (a JS string; UTF-8 encode it for hashing). */
export function canonicalJson(value) {
  return serialize(value);
}

/** Canonical JSON as UTF-8 bytes. */
export function canonicalBytes(value) {
  return utf8(serialize(value));
}

/** SHA-256 hex of the canonical JSON of value. */
export function canonicalHash(value) {
  return sha256Hex(canonicalBytes(value));
}

// -------------------------------------------------------------- base58

export const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const B58_INDEX = new Map([...BASE58_ALPHABET].map((c, i) => [c, i]));

/** Bitcoin-alphabet base58, leading zero bytes as leading '1's. */
export function base58Encode(bytes) {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = bytesToBigInt(bytes);
  let out = '';
  while (n > 0n) {
    out = BASE58_ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

export function base58Decode(str) {
  let zeros = 0;
  while (zeros < str.length && str[zeros] === '1') zeros++;
  let n = 0n;
  for (const c of str) {
    const v = B58_INDEX.get(c);
    if (v === undefined) throw new Error(`base58Decode: invalid character ${JSON.stringify(c)}`);
    n = n * 58n + BigInt(v);
  }
  const body = n === 0n ? new Uint8Array(0) : hexToBytes(n.toString(16).padStart(Math.ceil(n.toString(16).length / 2) * 2, '0'));
  return concatBytes(new Uint8Array(zeros), body);
}
