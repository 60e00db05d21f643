// The ballot page: reads the credential (and the election fingerprint) from the link's #fragment,
// lets the member choose within the rules, reviews, encrypts and signs in this browser, sends the
// ballot, and shows the tracker. A retry after a network failure re-sends the SAME ballot (the
// server answers with the same tracker: idempotent by the ballot's hash).
import {
  encryptBallot, ballotTracker, isValidCredential, normalizeCredential, electionFingerprint, credentialPublic,
} from './index.mjs';
import { forgetStale, keepForSignIn, takeAfterSignIn } from './handoff.mjs';

const BUSY_RETRIES = 3; // automatic re-sends of a ballot the server found the board too busy for
const app = document.getElementById('ballot-app');
const form = document.getElementById('ballot-form');

function msg(name, t) {
  return (app.dataset[name] || '').replace('{t}', () => t || ''); // a function: no $ patterns from a name
}

function show(el) { el.hidden = false; el.focus && el.focus(); }

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) return meta.content;
  const body = document.body.getAttribute('hx-headers');
  try { return body ? JSON.parse(body)['X-CSRFToken'] : ''; } catch (e) { return ''; }
}

if (app && form) {
  const errorBox = document.getElementById('ballot-error');
  const review = document.getElementById('ballot-review');
  const done = document.getElementById('ballot-done');
  const credentialInput = document.getElementById('credential');
  // This tab remembers the voter's own code (storeKey) and, until it is used, the code of a link just
  // opened (linkKey), so that signing in first does not lose it. A proxy's code is never kept as the
  // voter's own: after voting in a proxy's name, "Vote" opens the holder's own ballot again.
  const storeKey = `unevoix-credential:${app.dataset.fingerprint}`;
  const linkKey = `${storeKey}:link`;
  let linkFingerprint = null;
  let pending = null; // the encrypted ballot waiting for the server's answer (re-sent as is on retry)

  const fail = (text) => { errorBox.textContent = text; errorBox.hidden = false; errorBox.focus(); };
  const clearError = () => { errorBox.hidden = true; errorBox.textContent = ''; };
  errorBox.tabIndex = -1;

  // #CREDENTIAL or #CREDENTIAL:FINGERPRINT; the fragment never reaches the server.
  // A second personal link opened in the same tab (a proxy holder's other link) changes only the
  // fragment: start afresh with it.
  window.addEventListener('hashchange', () => window.location.reload());
  // An election that asks to sign in, opened before signing in: the link's credential is also left in
  // localStorage (static/js/ballot/handoff.mjs: 30 minutes at most, taken once), because the sign-in may
  // end in another tab (the e-mailed link), whose sessionStorage is empty. Signed in, the page takes it
  // back, then clears what is left for this election.
  const mustSignIn = app.dataset.requireLogin === 'true' && app.dataset.signedIn !== 'true';
  let local = null;
  try { local = window.localStorage; } catch (e) { /* storage blocked */ }
  const fragment = decodeURIComponent(window.location.hash.replace(/^#/, ''));
  if (fragment) {
    const [cred, fp] = fragment.split(':');
    if (cred) credentialInput.value = cred;
    if (fp) linkFingerprint = fp;
    history.replaceState(null, '', window.location.pathname); // keep it out of the history and screen
    try { if (cred) sessionStorage.setItem(linkKey, cred); } catch (e) { /* private mode */ }
    if (cred && mustSignIn) keepForSignIn(local, app.dataset.fingerprint, cred);
  } else {
    try {
      credentialInput.value = sessionStorage.getItem(linkKey) || sessionStorage.getItem(storeKey) || '';
    } catch (e) { /* private mode */ }
    if (!credentialInput.value && !mustSignIn) {
      const kept = takeAfterSignIn(local, app.dataset.fingerprint);
      if (kept) {
        credentialInput.value = kept;
        try { sessionStorage.setItem(linkKey, kept); } catch (e) { /* private mode */ }
      }
    }
  }
  forgetStale(local, mustSignIn ? '' : app.dataset.fingerprint);
  const wrongElection = Boolean(linkFingerprint && app.dataset.fingerprint && linkFingerprint !== app.dataset.fingerprint);
  if (wrongElection) {
    fail(msg('msgFingerprint'));
    form.querySelectorAll('input,button').forEach((el) => { el.disabled = true; });
  }

  // Before the voter chooses, the server says what it knows of the credential (by its public
  // part): in whose name this ballot is cast (a proxy), whether it replaces one that counts, or
  // why casting with it would be refused (another member's, revoked, unknown).
  const whose = document.getElementById('ballot-whose');
  let proxyOf = null;
  let castFor = ''; // what the page says after the cast, filled in by the server (French elision)
  let refused = false; // the error box shows this look-up's refusal
  // A credential casting would refuse (revoked, another member's, unknown): the choices and the review
  // wait, hidden, until another one is given (its field stays open), instead of a dead end at the cast.
  const waitForCredential = (blocked) => {
    form.querySelectorAll('fieldset.contest').forEach((fs) => { fs.hidden = blocked; });
    document.getElementById('review-button').hidden = blocked;
  };
  const askWhose = async () => {
    whose.hidden = true;
    proxyOf = null;
    castFor = '';
    if (wrongElection || !isValidCredential(credentialInput.value)) return;
    const url = app.dataset.credentialUrl.replace(/PUBLIC$/, credentialPublic(credentialInput.value));
    let response;
    let body;
    try {
      response = await fetch(url, { credentials: 'same-origin' });
      body = await response.json();
    } catch (e) { return; } // the cast says it all again
    if (!response.ok) {
      if (body.error !== 'login_required') { fail(body.message); refused = true; waitForCredential(true); } // else the page asks to sign in
      return;
    }
    if (refused) { clearError(); refused = false; waitForCredential(false); }
    proxyOf = body.proxy_of;
    castFor = body.cast_for || '';
    whose.textContent = body.message || '';
    whose.hidden = !body.message;
  };
  credentialInput.addEventListener('change', askWhose);
  askWhose();

  const contests = [...form.querySelectorAll('fieldset.contest')];
  // An item whose vote is closed: the ballot still carries every contest (the format keeps them
  // all), with the placeholder selection the page names; that part does not count.
  const isClosed = (fs) => fs.dataset.closed === 'true';
  // An item held back at the opening and not opened yet by the chair: a placeholder too.
  const isWaiting = (fs) => fs.dataset.waiting === 'true';
  const selections = () => {
    const out = {};
    for (const fs of contests) {
      out[fs.dataset.contest] = isClosed(fs) ? JSON.parse(fs.dataset.placeholder || '[]')
        : [...fs.querySelectorAll('input:checked')].map((i) => i.value);
    }
    return out;
  };
  // Board contests: at most N; further boxes are disabled once N are ticked.
  for (const fs of contests) {
    const max = Number(fs.dataset.max);
    const boxes = [...fs.querySelectorAll('input[type=checkbox]')];
    if (!boxes.length) continue;
    const counter = fs.querySelector('.counter');
    const update = () => {
      const n = boxes.filter((b) => b.checked).length;
      boxes.forEach((b) => { b.disabled = !b.checked && n >= max; });
      if (counter) counter.textContent = `${n} / ${max}`;
    };
    boxes.forEach((b) => b.addEventListener('change', update));
    update();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearError();
    // Typed with Caps Lock on, every letter's case is swapped: that reading is tried as well, as at the door.
    const swapped = [...credentialInput.value].map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join('');
    if (!isValidCredential(credentialInput.value) && isValidCredential(swapped)) credentialInput.value = swapped;
    if (!isValidCredential(credentialInput.value)) { fail(msg('msgCredential')); credentialInput.focus(); return; }
    const sel = selections();
    for (const fs of contests) {
      if (isClosed(fs)) continue;
      const n = sel[fs.dataset.contest].length;
      if (n < Number(fs.dataset.min)) { fail(msg('msgTooFew', fs.dataset.title)); return; }
      if (n > Number(fs.dataset.max)) { fail(msg('msgTooMany', fs.dataset.title)); return; }
    }
    const list = document.getElementById('review-list');
    list.replaceChildren();
    for (const fs of contests) {
      const dt = document.createElement('dt');
      dt.textContent = fs.dataset.title;
      const dd = document.createElement('dd');
      const labels = [...fs.querySelectorAll('input:checked')].map((i) => i.dataset.label);
      dd.textContent = isWaiting(fs) ? msg('msgWaiting') : isClosed(fs) ? msg('msgClosed') : (labels.length ? labels.join(', ') : msg('msgBlank'));
      list.append(dt, dd);
    }
    pending = null;
    form.hidden = true;
    show(review);
  });

  document.getElementById('back-button').addEventListener('click', () => {
    review.hidden = true; form.hidden = false; pending = null;
    contests[0] && contests[0].querySelector('input') && contests[0].querySelector('input').focus();
  });

  const castButton = document.getElementById('cast-button');
  const status = document.getElementById('cast-status');
  castButton.addEventListener('click', async () => {
    clearError();
    castButton.disabled = true;
    try {
      if (!pending) {
        status.textContent = msg('msgEncrypting');
        await new Promise((r) => setTimeout(r, 20)); // let the status show before the work
        const info = await (await fetch(app.dataset.electionUrl, { credentials: 'same-origin' })).json();
        const fp = electionFingerprint(info.definition);
        if (fp !== info.fingerprint || (linkFingerprint && fp !== linkFingerprint)) { fail(msg('msgFingerprint')); return; }
        // An item closed since this page was served: the member's choice there would not count.
        const closedNow = new Set(info.closed_contests || []);
        if (contests.some((fs) => closedNow.has(fs.dataset.contest) && !isClosed(fs))) { fail(msg('msgClosedMeanwhile')); return; }
        // An item opened since: this ballot would leave it blank; the page shows it once reloaded.
        const heldNow = new Set(info.held_contests || []);
        if (contests.some((fs) => isWaiting(fs) && !heldNow.has(fs.dataset.contest) && !closedNow.has(fs.dataset.contest))) {
          fail(msg('msgOpenedMeanwhile')); return;
        }
        pending = encryptBallot(info.definition, info.public_key, normalizeCredential(credentialInput.value),
          selections(), { fingerprint: linkFingerprint || fp });
      }
      status.textContent = msg('msgSending');
      let response;
      let body;
      // A board busy with other ballots (409 board_busy) is a moment's wait: the same ballot is sent
      // again a few times, after a short random pause, before the voter is asked to try again.
      for (let attempt = 0; ; attempt += 1) {
        try {
          response = await fetch(app.dataset.ballotsUrl, {
            method: 'POST', credentials: 'same-origin',
            headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken() },
            body: JSON.stringify(pending),
          });
        } catch (e) {
          status.textContent = '';
          fail(msg('msgNetwork'));
          return;
        }
        body = await response.json().catch(() => ({}));
        if (response.status !== 409 || body.error !== 'board_busy' || attempt >= BUSY_RETRIES) break;
        await new Promise((r) => setTimeout(r, 200 + Math.random() * 600));
      }
      status.textContent = '';
      if (!response.ok) { fail(body.message || msg('msgNetwork')); if (response.status !== 409) pending = null; return; }
      try {
        sessionStorage.removeItem(linkKey);
        if (!proxyOf) sessionStorage.setItem(storeKey, credentialInput.value);
      } catch (e) { /* private mode */ }
      document.getElementById('tracker').textContent = body.tracker || ballotTracker(pending);
      document.getElementById('tracker-link').href = body.board;
      // An item closed between the last check and the ballot's arrival: say its choice did not count.
      const late = contests.filter((fs) => (body.not_counted || []).includes(fs.dataset.contest) && !isClosed(fs));
      const lateNote = document.getElementById('not-counted');
      lateNote.textContent = late.length ? msg('msgNotCounted', late.map((fs) => fs.dataset.title).join(', ')) : '';
      lateNote.hidden = !late.length;
      pending = null;
      review.hidden = true;
      show(done);
      whose.textContent = castFor;
      whose.hidden = !castFor;
    } catch (e) {
      status.textContent = '';
      fail(e && e.code === 'selection' ? msg('msgTooMany', '') : (e.message || String(e)));
    } finally {
      castButton.disabled = false;
    }
  });

  document.getElementById('again-button').addEventListener('click', () => {
    done.hidden = true; form.hidden = false;
    askWhose();
    form.querySelectorAll('fieldset input').forEach((i) => { i.checked = false; i.disabled = false; });
    contests.forEach((fs) => fs.querySelectorAll('input[type=checkbox]').forEach((b) => b.dispatchEvent(new Event('change'))));
  });
}
