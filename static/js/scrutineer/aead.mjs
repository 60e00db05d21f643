// ChaCha20-Poly1305 (RFC 8439), the AEAD that voting/crypto/dkg.py uses (via
// `cryptography`) to encrypt each Shamir share to its recipient.  The vendored
// @noble packages (curves, hashes) do not include it, so it is written out
// here; it only ever seals 32-byte shares, so clarity wins over speed
// (Poly1305 on BigInt).  Checked against the RFC 8439 test vectors and against
// Python in tests/js/scrutineer.test.mjs and tests/voting/test_js_scrutineer.py.

const MASK32 = 0xffffffff;

function rotl(x, n) {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

function readU32(bytes, off) {
  return (bytes[off] | (bytes[off + 1] << 8) | (bytes[off + 2] << 16) | (bytes[off + 3] << 24)) >>> 0;
}

function quarter(s, a, b, c, d) {
  s[a] = (s[a] + s[b]) >>> 0; s[d] = rotl(s[d] ^ s[a], 16);
  s[c] = (s[c] + s[d]) >>> 0; s[b] = rotl(s[b] ^ s[c], 12);
  s[a] = (s[a] + s[b]) >>> 0; s[d] = rotl(s[d] ^ s[a], 8);
  s[c] = (s[c] + s[d]) >>> 0; s[b] = rotl(s[b] ^ s[c], 7);
}

/** One 64-byte ChaCha20 block (RFC 8439, 2.3). */
export function chacha20Block(key, counter, nonce) {
  if (key.length !== 32 || nonce.length !== 12) throw new Error('chacha20: key 32 bytes, nonce 12 bytes');
  const init = new Uint32Array(16);
  init[0] = 0x61707865; init[1] = 0x3320646e; init[2] = 0x79622d32; init[3] = 0x6b206574;
  for (let i = 0; i < 8; i++) init[4 + i] = readU32(key, 4 * i);
  init[12] = counter >>> 0;
  for (let i = 0; i < 3; i++) init[13 + i] = readU32(nonce, 4 * i);
  const s = Uint32Array.from(init);
  for (let i = 0; i < 10; i++) {
    quarter(s, 0, 4, 8, 12); quarter(s, 1, 5, 9, 13); quarter(s, 2, 6, 10, 14); quarter(s, 3, 7, 11, 15);
    quarter(s, 0, 5, 10, 15); quarter(s, 1, 6, 11, 12); quarter(s, 2, 7, 8, 13); quarter(s, 3, 4, 9, 14);
  }
  const out = new Uint8Array(64);
  for (let i = 0; i < 16; i++) {
    const v = (s[i] + init[i]) & MASK32;
    out[4 * i] = v & 255; out[4 * i + 1] = (v >>> 8) & 255; out[4 * i + 2] = (v >>> 16) & 255; out[4 * i + 3] = v >>> 24;
  }
  return out;
}

/** ChaCha20 stream encryption (RFC 8439, 2.4), starting at block `counter`. */
export function chacha20(key, counter, nonce, data) {
  const out = new Uint8Array(data.length);
  for (let off = 0, block = counter; off < data.length; off += 64, block++) {
    const ks = chacha20Block(key, block, nonce);
    for (let i = 0; i < 64 && off + i < data.length; i++) out[off + i] = data[off + i] ^ ks[i];
  }
  return out;
}

const P1305 = (1n << 130n) - 5n;

function leToBigInt(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

/** Poly1305 one-time authenticator (RFC 8439, 2.5): 16-byte tag. */
export function poly1305(key, msg) {
  if (key.length !== 32) throw new Error('poly1305: key must be 32 bytes');
  const r = leToBigInt(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leToBigInt(key.subarray(16, 32));
  let acc = 0n;
  for (let off = 0; off < msg.length; off += 16) {
    const chunk = msg.subarray(off, Math.min(off + 16, msg.length));
    const n = leToBigInt(chunk) | (1n << BigInt(8 * chunk.length));
    acc = ((acc + n) * r) % P1305;
  }
  acc = (acc + s) & ((1n << 128n) - 1n);
  const tag = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    tag[i] = Number(acc & 255n);
    acc >>= 8n;
  }
  return tag;
}

function pad16(n) {
  return (16 - (n % 16)) % 16;
}

function macData(aad, ct) {
  const len = aad.length + pad16(aad.length) + ct.length + pad16(ct.length) + 16;
  const buf = new Uint8Array(len);
  buf.set(aad, 0);
  const o = aad.length + pad16(aad.length);
  buf.set(ct, o);
  const view = new DataView(buf.buffer);
  const lo = o + ct.length + pad16(ct.length);
  view.setUint32(lo, aad.length, true);
  view.setUint32(lo + 8, ct.length, true);
  return buf;
}

function tagFor(key, nonce, aad, ct) {
  const polyKey = chacha20Block(key, 0, nonce).subarray(0, 32);
  return poly1305(polyKey, macData(aad, ct));
}

/** AEAD_CHACHA20_POLY1305 seal: ciphertext || 16-byte tag (as cryptography's ChaCha20Poly1305.encrypt). */
export function chacha20poly1305Seal(key, nonce, plaintext, aad = new Uint8Array(0)) {
  const ct = chacha20(key, 1, nonce, plaintext);
  const out = new Uint8Array(ct.length + 16);
  out.set(ct, 0);
  out.set(tagFor(key, nonce, aad, ct), ct.length);
  return out;
}

export class AeadError extends Error {
  constructor() {
    super('chacha20poly1305: authentication failed');
    this.name = 'AeadError';
  }
}

/** AEAD open: the plaintext, or throws AeadError if the tag does not verify. */
export function chacha20poly1305Open(key, nonce, sealed, aad = new Uint8Array(0)) {
  if (sealed.length < 16) throw new AeadError();
  const ct = sealed.subarray(0, sealed.length - 16);
  const tag = sealed.subarray(sealed.length - 16);
  const expected = tagFor(key, nonce, aad, ct);
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= expected[i] ^ tag[i];
  if (diff !== 0) throw new AeadError();
  return chacha20(key, 1, nonce, ct);
}
