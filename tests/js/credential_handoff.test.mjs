// The credential of a vote link kept across a sign-in that ends in another tab
// (static/js/ballot/handoff.mjs): fresh and once only, per election, never past 30 minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_AGE_MS, forgetStale, keepForSignIn, takeAfterSignIn } from '../../static/js/ballot/handoff.mjs';

class Memory {
  constructor() { this.map = new Map(); }
  get length() { return this.map.size; }
  key(i) { return [...this.map.keys()][i] ?? null; }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) { this.map.set(k, String(v)); }
  removeItem(k) { this.map.delete(k); }
}

test('handoff: the credential left before the sign-in is taken once, by the same election', () => {
  const s = new Memory();
  keepForSignIn(s, 'fp1', 'AAAAA-BBBBB-CCCCC-DDDDD', 1000);
  assert.equal(takeAfterSignIn(s, 'fp2', 2000), null); // another election's page leaves it
  assert.equal(takeAfterSignIn(s, 'fp1', 2000), 'AAAAA-BBBBB-CCCCC-DDDDD');
  assert.equal(takeAfterSignIn(s, 'fp1', 2001), null); // used: gone
  assert.equal(s.length, 0);
});

test('handoff: after 30 minutes it is gone, and a stale one is swept by any ballot page', () => {
  const s = new Memory();
  keepForSignIn(s, 'fp1', 'cred', 0);
  assert.equal(takeAfterSignIn(s, 'fp1', MAX_AGE_MS + 1), null);
  assert.equal(s.length, 0);
  keepForSignIn(s, 'fp1', 'cred', 0);
  keepForSignIn(s, 'fp2', 'other', MAX_AGE_MS);
  s.setItem('unevoix-signin-credential:fp3', 'not json');
  s.setItem('unevoix-signin-credential:fp4', JSON.stringify({ credential: 'x', until: 10 * MAX_AGE_MS })); // forged far expiry
  s.setItem('unrelated', 'kept');
  forgetStale(s, 'fp9', MAX_AGE_MS + 5);
  assert.deepEqual([...s.map.keys()].sort(), ['unevoix-signin-credential:fp2', 'unrelated']);
  forgetStale(s, 'fp2', MAX_AGE_MS + 5); // the page's own election: a signed-in page never keeps one
  assert.deepEqual([...s.map.keys()], ['unrelated']);
});

test('handoff: a storage that refuses or holds garbage never throws', () => {
  const refusing = { setItem() { throw new Error('quota'); }, getItem() { throw new Error('denied'); }, removeItem() {}, length: 0 };
  keepForSignIn(refusing, 'fp', 'cred');
  assert.equal(takeAfterSignIn(refusing, 'fp'), null);
  forgetStale(refusing, 'fp');
  const s = new Memory();
  s.setItem('unevoix-signin-credential:fp', '{"credential": 3, "until": "x"}');
  assert.equal(takeAfterSignIn(s, 'fp', 0), null);
  assert.equal(takeAfterSignIn(null, 'fp'), null);
});
