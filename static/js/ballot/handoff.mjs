// A personal vote link opened before signing in: its credential (from the #fragment) must survive the
// sign-in, which may end in ANOTHER tab (the e-mailed sign-in link), where this tab's sessionStorage is
// not. So, only while the election asks to sign in and nobody is signed in, the credential is also left
// in this browser's localStorage for the ballot page of the same election, for at most MAX_AGE_MS, and
// taken out of it by the first ballot page that reads it. It never leaves the browser: nothing here
// is sent, and the sign-in's `next` carries the path only. Sign-out clears it too (Clear-Site-Data).

export const MAX_AGE_MS = 30 * 60 * 1000;

function keyFor(fingerprint) {
  return `unevoix-signin-credential:${fingerprint}`;
}

/** Leaves `credential` for the ballot page of election `fingerprint` after the sign-in. */
export function keepForSignIn(storage, fingerprint, credential, now = Date.now()) {
  if (!storage || !fingerprint || !credential) return;
  try {
    storage.setItem(keyFor(fingerprint), JSON.stringify({ credential, until: now + MAX_AGE_MS }));
  } catch (e) { /* storage refused (private mode, full): the voter types the code */ }
}

/** The credential left before the sign-in, if it is still fresh; it is removed in any case. */
export function takeAfterSignIn(storage, fingerprint, now = Date.now()) {
  if (!storage || !fingerprint) return null;
  let kept = null;
  try {
    const raw = storage.getItem(keyFor(fingerprint));
    storage.removeItem(keyFor(fingerprint));
    kept = raw ? JSON.parse(raw) : null;
  } catch (e) {
    return null;
  }
  const fresh = kept && typeof kept.credential === 'string' && typeof kept.until === 'number'
    && now <= kept.until && kept.until - now <= MAX_AGE_MS;
  return fresh ? kept.credential : null;
}

/** Removes every credential left for a sign-in whose time is over (any election), and this election's. */
export function forgetStale(storage, fingerprint, now = Date.now()) {
  if (!storage) return;
  try {
    const keys = [];
    for (let i = 0; i < storage.length; i += 1) keys.push(storage.key(i));
    for (const key of keys) {
      if (!key || !key.startsWith('unevoix-signin-credential:')) continue;
      let until = 0;
      try { until = JSON.parse(storage.getItem(key)).until; } catch (e) { until = 0; }
      if (key === keyFor(fingerprint) || typeof until !== 'number' || now > until || until - now > MAX_AGE_MS) {
        storage.removeItem(key);
      }
    }
  } catch (e) { /* storage unavailable */ }
}
