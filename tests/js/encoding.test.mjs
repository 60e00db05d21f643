import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalJson, canonicalBytes, canonicalHash, sha256Hex, base58Encode, base58Decode,
  bytesToHex, hexToBytes, bigIntToBytes, bytesToBigInt,
} from '../../static/js/ballot/encoding.mjs';

test('canonical JSON matches voting/crypto/encoding.py canonical_json', () => {
  // expected strings produced by CPython 3.11:
  // json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
  assert.equal(
    canonicalJson({ b: [1, 'é\u0001"', { z: 1, a: null }], a: true, '\u{1F600}': 1, '\uffff': 2 }),
    '{"a":true,"b":[1,"é\\u0001\\"",{"a":null,"z":1}],"\uffff":2,"\u{1F600}":1}',
  );
  assert.equal(canonicalJson({ x: 'a\\b\n\r\t\b\f\u007f/\u2028' }), '{"x":"a\\\\b\\n\\r\\t\\b\\f\u007f/\u2028"}');
  assert.equal(canonicalJson([]), '[]');
  assert.equal(canonicalJson({}), '{}');
  assert.equal(canonicalJson({ n: -5, m: 12345678901234567890n, f: false }), '{"f":false,"m":12345678901234567890,"n":-5}');
  assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  assert.equal(bytesToHex(canonicalBytes({ 'é': 'ü' })), '7b22c3a9223a22c3bc227d');
});

test('canonical JSON refuses lone surrogates', () => {
  assert.throws(() => canonicalJson({ a: '\ud800' }));
  assert.throws(() => canonicalJson({ '\udc00x': 1 }));
});

test('canonical JSON refuses floats and bytes', () => {
  assert.throws(() => canonicalJson({ a: 1.5 }));
  assert.throws(() => canonicalJson({ a: NaN }));
  assert.throws(() => canonicalJson({ a: new Uint8Array(2) }));
});

test('sha256 helpers', () => {
  assert.equal(sha256Hex(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  assert.equal(canonicalHash({ b: 1, a: 2 }), sha256Hex('{"a":2,"b":1}'));
});

test('hex is strict lowercase', () => {
  assert.deepEqual(hexToBytes('00ff10'), new Uint8Array([0, 255, 16]));
  assert.equal(bytesToHex(new Uint8Array([0, 255, 16])), '00ff10');
  assert.throws(() => hexToBytes('00FF'));
  assert.throws(() => hexToBytes('abc'));
  assert.equal(bytesToHex(bigIntToBytes(255n, 4)), '000000ff');
  assert.equal(bytesToBigInt(hexToBytes('0100')), 256n);
  assert.throws(() => bigIntToBytes(256n, 1));
});

test('base58 (bitcoin alphabet) known vectors', () => {
  assert.equal(base58Encode(new TextEncoder().encode('Hello World!')), '2NEpo7TZRRrLZSi2U');
  assert.equal(base58Encode(hexToBytes('0000287fb4cd')), '11233QC4');
  assert.equal(base58Encode(new Uint8Array(0)), '');
  for (const hex of ['', '00', '0000ff', '61', '626262', 'ffffffffffffffffffff']) {
    assert.equal(bytesToHex(base58Decode(base58Encode(hexToBytes(hex)))), hex);
  }
  assert.throws(() => base58Decode('0OIl'));
});
