// The scrutineer page controller: key generation and decryption from the
// browser, posting exactly the JSON `python -m voting.trustee` writes.
//
// Load it from the scrutineer template (no inline script; CSP script-src 'self'):
//   <script type="module" src="/static/js/scrutineer/page.mjs"></script>
//
// ---------------------------------------------------------------- CONTRACT
// Mount element(s): every `.scrutineer-browser` (or `#scrutineer-browser`), one
// per trustee the signed-in account acts for, carrying:
//   data-trustee            trustee id (required)
//   data-trustee-name       the trustee's display name (public key file "name";
//                           falls back to the id)
//   data-election-slug      the election's short name: every file saved is named after it
//   data-state              election state: setup | keygen | open | closed | tallied
//   data-stamp              where the election stood when the page was shown (voting.queries.progress_stamp);
//                           the page's live part sends a "scrutineer-moved" event {state, stamp} when it
//                           moves on (another scrutineer's step): the widget then reads the record again.
//                           After its own step it sends "scrutineer-published" (bubbling) so that the
//                           page's live part follows at once.
//   data-keys-registered    "1" when this trustee's public keys are already known
//                           (setup state; absent = unknown, the server then says 409)
//   data-election-url       GET JSON {slug, state, fingerprint, definition, public_key, ...}
//   data-record-url         GET the whole record {format: "unevoix/v1/record", events}
//   data-commitments-url    GET {election, commitments: [step-1 data]} (unused: the
//                           record is read and checked instead)
//   data-tally-url          GET {election, seq, hash, tally, public_shares} (unused, ditto)
//   data-keys-post-url      POST the public identity {id, name, signing_key, encryption_key}
//   data-step-post-url      POST a signed step (keygen1, keygen2 or decrypt output)
//   data-msg-<key>          user-facing strings (translated by the template); see
//                           MESSAGES below for the keys and English fallbacks.
//                           A <template id="scrutineer-messages"> whose children carry
//                           data-key="<key>" and the text is read as well.
// The CSRF token comes from <body hx-headers='{"X-CSRFToken": "..."}'>; POSTs send it
// as the X-CSRFToken header with Content-Type application/json. Responses: 201 JSON
// {ok, ...}; errors JSON {error, message, detail?} whose `message` (translated) is shown; the `detail`
// (technical, English) only in a collapsed "Technical detail" under it, to copy for the officer.
//
// Secrets: the trustee's private keys, polynomial and secret share stay in this
// page's memory and leave it only as the file the scrutineer saves ("Save my
// private file"; a bundle {format: "unevoix/v1/trustee-private", id, election,
// key, state?, share?} where key/state/share are exactly the CLI's --key,
// --state and --share files). "Load my private file" accepts that bundle or the
// CLI's own files. Nothing secret is ever posted or stored by the browser.
import {
  TrusteeError, asElection, badDealers, checkPrivateKey, keygenStep1, keygenStep2, makeComplaint, newTrusteeIdentity,
  partialDecrypt, publicIdentity, signTrusteeData,
} from './dkg.mjs';
import { RecordError, RecordReader } from './record.mjs';
import {
  DEFAULT_MIN_BALLOTS, DecryptionRefused, inlinePool, responseChunks, streamEvents, verifyForDecryption, verifyForSeal,
  workerPool,
} from './verifier.mjs';
import { baseMul, elementToHex, scalarFromHex } from '../ballot/group.mjs';

export const PRIVATE_FORMAT = 'unevoix/v1/trustee-private';

/** Message keys (data-msg-<key>) and their English fallbacks. */
export const MESSAGES = {
  heading: 'In this browser',
  intro: 'You can do this step here instead of with the command line tool. Your private file never leaves this computer: save it and keep it safe.',
  'load-label': 'Load my private file',
  'load-hint': 'The file you saved from this page, or the key, state and share files of the command line tool.',
  loaded: 'Private file loaded for scrutineer %(id)s.',
  'load-error': 'This file is not a private file of scrutineer %(id)s.',
  'create-keys': 'Create my keys in this browser',
  'keys-created': 'Your keys are ready. Save your private file, then publish your public keys.',
  'publish-keys': 'Publish my public keys',
  'keys-done': 'Your public keys are registered.',
  step1: 'Deal my shares (key generation, step 1)',
  'step1-done': 'Step 1 is ready. Save your private file, then publish.',
  step2: 'Check the shares dealt to me (key generation, step 2)',
  'step2-done': 'Every share dealt to you was checked. Save your private file, then publish.',
  decrypt: 'Decrypt my part of the tally',
  'decrypt-done': 'Your partial decryption is ready to publish.',
  save: 'Save my private file',
  saved: 'Private file saved as %(file)s. Keep it safe: it is needed for the next step.',
  'save-first': 'Save your private file before publishing.',
  publish: 'Publish',
  published: 'Published on the board.',
  working: 'Working…',
  'need-key': 'Load your private file first.',
  'need-state': 'Your private file has no key generation state (step 1). Load the file you saved after step 1.',
  'need-share': 'Your private file has no secret share. Load the file you saved after step 2.',
  waiting: 'Nothing to do yet: waiting for the other scrutineers (%(who)s).',
  'nothing-to-do': 'Nothing to do in this browser at this stage.',
  seal: 'Check the closed board and sign its seal',
  'checking-seal': 'Checking every ballot on the closed board before sealing it: %(done)s of %(total)s verified.',
  'seal-summary': 'Every ballot on the closed board was checked in this browser. The seal you are about to sign fixes %(total)s counted ballots of %(voters)s voters (turnout %(turnout)s) and the board head %(head)s.',
  compare: 'Compare the figures the tool shows with the ones announced in the hall.',
  'confirm-seal': 'These are the announced figures: sign the seal',
  'seal-done': 'Your seal signature is ready to publish.',
  'already-done': 'This step of yours is already on the board.',
  'record-error': 'The published record does not verify: %(reason)s. Do not continue; tell the election officer.',
  'step-error': 'The step cannot be done: %(reason)s.',
  'network-error': 'The server could not be reached. Try again.',
  'complaint-ready': 'The share dealt to you by %(who)s is wrong: it cannot be decrypted with your key, or does not match its commitments. Publish this complaint (anyone can check it): key generation then continues without %(who)s, and you check your shares again.',
  checking: 'Checking every ballot on the board before decrypting: %(done)s of %(total)s verified.',
  rereading: 'Reading the superseded ballots again…',
  'check-summary': 'Every ballot was checked and the encrypted tally re-added in this browser. You are about to decrypt the tally of %(total)s counted ballots (category A: %(a)s, category B: %(b)s); turnout %(turnout)s; board head %(head)s.',
  'confirm-decrypt': 'These are the announced figures: decrypt my part',
  'refused-not-closed': 'The ballot box is not closed and sealed: nothing may be decrypted yet.',
  'refused-no-tally': 'The board has no encrypted tally yet.',
  'refused-not-sealed': 'The board is not sealed: %(sealed)s of the %(needed)s scrutineers needed signed the seal. Nothing may be decrypted yet.',
  'refused-withheld': 'Every count is withheld (fewer than %(min)s ballots): there is nothing to decrypt.',
  'refused-min-too-low': 'This election would publish counts of as few as %(defined)s ballots; at least %(min)s are needed so that no single vote shows. Do not decrypt; tell the election officer.',
  'refused-too-few': 'The tally combines too few ballots (%(detail)s; at least %(min)s per published count): decrypting it would show how individual members voted. Do not decrypt; tell the election officer.',
  'server-error': 'The server refused: %(reason)s',
  'technical-detail': 'Technical detail (for the election officer)',
};

// ---------------------------------------------------------------- helpers

/** Messages for a mount element: data-msg-*, then <template id="scrutineer-messages">, then English. */
export function readMessages(root, doc = root.ownerDocument) {
  const out = { ...MESSAGES };
  const tpl = doc && doc.getElementById('scrutineer-messages');
  if (tpl && tpl.content) {
    for (const el of tpl.content.querySelectorAll('[data-key]')) out[el.dataset.key] = el.textContent.trim();
  }
  for (const key of Object.keys(MESSAGES)) {
    const attr = root.getAttribute(`data-msg-${key}`);
    if (attr) out[key] = attr;
  }
  return out;
}

/** Python-style %(name)s interpolation (the template's gettext strings keep the same placeholders). */
export function format(text, params = {}) {
  return text.replace(/%\((\w+)\)s/g, (m, k) => (k in params ? String(params[k]) : m));
}

/** The CSRF token from <body hx-headers='{"X-CSRFToken": "..."}'>. */
export function csrfToken(doc) {
  const raw = doc.body && doc.body.getAttribute('hx-headers');
  if (!raw) return null;
  try {
    return JSON.parse(raw)['X-CSRFToken'] || null;
  } catch {
    return null;
  }
}

/** Reads the contract from a mount element. */
export function readConfig(root) {
  const d = root.dataset;
  return {
    trustee: d.trustee,
    name: d.trusteeName || d.trustee,
    slug: d.electionSlug || '',
    state: d.state,
    stamp: d.stamp || '',
    keysRegistered: d.keysRegistered === '1' ? true : d.keysRegistered === '0' ? false : null,
    electionUrl: d.electionUrl,
    recordUrl: d.recordUrl,
    keysPostUrl: d.keysPostUrl,
    stepPostUrl: d.stepPostUrl,
    minBallots: d.minBallots && /^\d+$/.test(d.minBallots) ? Number(d.minBallots) : DEFAULT_MIN_BALLOTS,
  };
}

/**
 * Merges a loaded JSON document into the private bundle of trustee `id`:
 * our bundle, or a CLI key file {id, signing_seed, encryption_secret}, state file
 * {id, election, coefficients} or share file {id, election, share}.
 * Returns the new bundle; throws TrusteeError('state_mismatch') for anything else.
 */
export function mergePrivate(bundle, doc, id) {
  const out = { format: PRIVATE_FORMAT, id, election: null, ...(bundle || {}) };
  const bad = () => new TrusteeError('state_mismatch', `not a private file of trustee ${id}`);
  if (!doc || typeof doc !== 'object' || doc.id !== id) throw bad();
  const setElection = (fp) => {
    if (typeof fp !== 'string') throw bad();
    if (out.election && out.election !== fp) throw new TrusteeError('state_mismatch', 'files of two different elections');
    out.election = fp;
  };
  if (doc.format === PRIVATE_FORMAT) {
    checkPrivateKey(doc.key);
    if (doc.key.id !== id) throw bad();
    out.key = doc.key;
    if (doc.election) setElection(doc.election);
    for (const part of ['state', 'share']) {
      if (doc[part]) {
        if (doc[part].id !== id) throw bad();
        setElection(doc[part].election);
        out[part] = doc[part];
      }
    }
  } else if ('signing_seed' in doc) {
    checkPrivateKey(doc);
    out.key = { id: doc.id, signing_seed: doc.signing_seed, encryption_secret: doc.encryption_secret };
  } else if (Array.isArray(doc.coefficients)) {
    setElection(doc.election);
    out.state = doc;
  } else if (typeof doc.share === 'string') {
    setElection(doc.election);
    out.share = doc;
  } else {
    throw bad();
  }
  return out;
}

/**
 * The file name offered for the private bundle: the election's slug, the scrutineer and the stage
 * (`ag-2026-scrutineer-t1-key.private.json`), from the first file on, so that a scrutineer of two
 * elections tells their files apart. Without a slug, the election's fingerprint once it is known.
 */
export function privateFileName(bundle, slug = '') {
  const safe = (text) => String(text).replace(/[^A-Za-z0-9_-]/g, '_');
  const stage = bundle.share ? 'share' : bundle.state ? 'state' : 'key';
  const election = slug ? `${safe(slug)}-` : '';
  const fp = !slug && bundle.election ? `-${bundle.election.slice(0, 8)}` : '';
  return `${election}scrutineer-${safe(bundle.id)}${fp}-${stage}.private.json`;
}

/**
 * A JSON refusal {error, message, detail?} of the server, split for the page: `reason`, the translated
 * sentence shown to the scrutineer (the status code if the answer had none), and `detail`, the technical
 * code and detail (English, for the election officer), or null.
 */
export function refusal(body, status) {
  const ok = (v) => typeof v === 'string' && v !== '';
  const reason = body && ok(body.message) ? body.message : String(status);
  const detail = body && ok(body.detail) ? [ok(body.error) ? body.error : null, body.detail].filter(Boolean).join(': ') : null;
  return { reason, detail };
}

/**
 * Whether the page's news {state, stamp} (the "scrutineer-moved" event) is news to this widget: the
 * election moved past what it last read (its own published step answers with the new stamp too).
 */
export function movedOn(cfg, detail) {
  return Boolean(detail && typeof detail.stamp === 'string' && detail.stamp && detail.stamp !== cfg.stamp);
}

/**
 * What this trustee can do now, from the election state and the checked record:
 * {action: 'keys'|'step1'|'step2'|'decrypt'|null, reason: message key, who?: [ids]}.
 */
export function nextAction(cfg, rec) {
  const me = cfg.trustee;
  if (cfg.state === 'setup') {
    return cfg.keysRegistered ? { action: null, reason: 'keys-done' } : { action: 'keys' };
  }
  if (!rec) return { action: null, reason: 'nothing-to-do' };
  const ids = rec.election.trustees.map((t) => t.id);
  if (cfg.state === 'keygen') {
    if (!(me in rec.commitments)) return { action: 'step1' };
    const missing1 = ids.filter((t) => !(t in rec.commitments));
    if (missing1.length) return { action: null, reason: 'waiting', who: missing1 };
    if (!(me in rec.shares)) return { action: 'step2' };
    const missing2 = ids.filter((t) => !(t in rec.shares));
    return missing2.length ? { action: null, reason: 'waiting', who: missing2 } : { action: null, reason: 'already-done' };
  }
  if (cfg.state === 'closed') {
    if (!rec.tally) {
      const toSeal = rec.close && !(me in (rec.seals || {}));
      return toSeal ? { action: 'seal' } : { action: null, reason: 'nothing-to-do' };
    }
    if (me in rec.decryptions) return { action: null, reason: 'already-done' };
    return { action: 'decrypt' };
  }
  return { action: null, reason: 'nothing-to-do' };
}

/**
 * Runs one step on the checked record; returns {data (public, signed), bundle (new private bundle)}.
 * Pure: no DOM, no network (tested in node).
 */
export function runStep(action, cfg, rec, bundle, opts = {}) {
  if (action === 'keys') {
    const made = newTrusteeIdentity(cfg.trustee, cfg.name, opts);
    return { data: made.public, bundle: { format: PRIVATE_FORMAT, id: cfg.trustee, election: null, key: made.private } };
  }
  if (!bundle || !bundle.key) throw new TrusteeError('need-key', 'no private key loaded');
  const el = rec.election;
  const signed = el.trustee(cfg.trustee);
  const pub = publicIdentity(bundle.key, signed.name);
  if (pub.signing_key !== signed.signing_key || pub.encryption_key !== signed.encryption_key) {
    throw new TrusteeError('state_mismatch', 'this private key is not the one registered for this scrutineer');
  }
  if (action === 'step1') {
    const { data, state } = keygenStep1(el, bundle.key, opts);
    return { data, bundle: { ...bundle, election: el.fingerprint, state } };
  }
  if (action === 'step2') {
    if (!bundle.state) throw new TrusteeError('need-state', 'no key generation state loaded');
    const left = Object.keys(rec.disqualified || {});
    const bad = badDealers(el, bundle.key, rec.step1, left);
    if (bad.length) {
      // A dealer's share to me is wrong: name it with a complaint anyone can check (one at a time).
      const dealer = rec.step1.find((d) => d.trustee === bad[0]);
      return { data: makeComplaint(el, bundle.key, dealer), bundle, complaint: bad[0] };
    }
    const { data, secret } = keygenStep2(el, bundle.key, bundle.state, rec.step1, left);
    return { data, bundle: { ...bundle, election: el.fingerprint, share: secret } };
  }
  if (action === 'seal') {
    // rec must come from verifyForSeal (every ballot of the closed board checked).
    if (!rec.close) throw new TrusteeError('seal', 'the ballot box is not closed');
    const seal = { election: el.fingerprint, trustee: cfg.trustee, close: rec.close.hash, counted: rec.close.counted,
      head: rec.close.head };
    return { data: signTrusteeData(bundle.key, 'seal_signature', seal), bundle };
  }
  if (action === 'decrypt') {
    // rec must come from verifyForDecryption (every counted ballot checked, the tally re-added).
    if (!bundle.share) throw new TrusteeError('need-share', 'no secret share loaded');
    if (bundle.share.election !== el.fingerprint || bundle.share.id !== cfg.trustee) {
      throw new TrusteeError('state_mismatch', 'the secret share belongs to another election or trustee');
    }
    if (elementToHex(baseMul(scalarFromHex(bundle.share.share))) !== rec.shares[cfg.trustee]) {
      throw new TrusteeError('state_mismatch', 'my secret share does not match my public share on the record');
    }
    const data = partialDecrypt(el, bundle.key, bundle.share.share, rec.tally.decrypt, rec.tally.hash, opts);
    return { data, bundle };
  }
  throw new Error(`unknown action ${action}`);
}

// ---------------------------------------------------------------- the widget

const NEEDS_SAVE = { keys: true, step1: true, step2: true, seal: false, decrypt: false };
const DONE_MSG = { keys: 'keys-created', step1: 'step1-done', step2: 'step2-done', seal: 'seal-done', decrypt: 'decrypt-done' };
const ACTION_MSG = { keys: 'create-keys', step1: 'step1', step2: 'step2', seal: 'seal', decrypt: 'decrypt' };
// The steps after the close check the whole board first, in this browser, and show what they fix.
const CHECKS = {
  seal: { verify: verifyForSeal, checking: 'checking-seal', summary: 'seal-summary', confirm: 'confirm-seal' },
  decrypt: { verify: verifyForDecryption, checking: 'checking', summary: 'check-summary', confirm: 'confirm-decrypt' },
};

function el(doc, tag, attrs = {}, text = null) {
  const node = doc.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) node.setAttribute(k, '');
    else if (v !== false && v !== null && v !== undefined) node.setAttribute(k, v);
  }
  if (text !== null) node.textContent = text;
  return node;
}

class ScrutineerWidget {
  constructor(root, win) {
    this.root = root;
    this.win = win;
    this.doc = root.ownerDocument;
    this.cfg = readConfig(root);
    this.msg = readMessages(root, this.doc);
    this.bundle = null; // private: memory only
    this.pending = null; // {action, data, saved}
    this.rec = null;
    this.checked = null; // the figures of a record verified for the seal or the decryption
    this.uid = `scrutineer-${this.cfg.trustee}`.replace(/[^A-Za-z0-9_-]/g, '_');
  }

  t(key, params) {
    return format(this.msg[key] || MESSAGES[key] || key, params);
  }

  /** The election moved on (another scrutineer's step, the officer's): read it again, unless a step is
   * under way here (checking, made and not yet published), which its own publication refreshes. */
  async onMoved(detail) {
    if (!movedOn(this.cfg, detail)) return;
    this.cfg.stamp = detail.stamp;
    if (typeof detail.state === 'string' && detail.state) this.cfg.state = detail.state;
    if (this.busy || this.pending || this.checked) return;
    await this.refresh();
  }

  say(text, kind = 'info') {
    this.status.textContent = text;
    this.status.dataset.kind = kind;
    if (this.detail) this.detail.hidden = true;
  }

  /** A refusal of the server: its translated sentence, and its technical detail folded away beneath. */
  sayRefused(body, status) {
    const { reason, detail } = refusal(body, status);
    this.say(this.t('server-error', { reason }), 'error');
    if (detail) {
      this.detail.replaceChildren(el(this.doc, 'summary', {}, this.t('technical-detail')), el(this.doc, 'code', {}, detail));
      this.detail.open = false;
      this.detail.hidden = false;
    }
  }

  async mount() {
    const { doc } = this;
    this.root.replaceChildren();
    this.root.append(el(doc, 'h3', {}, this.t('heading')), el(doc, 'p', {}, this.t('intro')));
    const load = el(doc, 'p', { class: 'scrutineer-load' });
    const inputId = `${this.uid}-file`;
    const hintId = `${this.uid}-file-hint`;
    load.append(el(doc, 'label', { for: inputId }, this.t('load-label')));
    this.fileInput = el(doc, 'input', { type: 'file', id: inputId, accept: '.json,application/json', multiple: true, 'aria-describedby': hintId });
    load.append(this.fileInput, el(doc, 'span', { id: hintId, class: 'hint' }, this.t('load-hint')));
    this.fileInput.addEventListener('change', () => this.onFiles());
    this.actions = el(doc, 'p', { class: 'scrutineer-actions' });
    this.status = el(doc, 'p', { role: 'status', 'aria-live': 'polite', class: 'scrutineer-status' });
    this.detail = el(doc, 'details', { class: 'scrutineer-detail', hidden: true });
    this.root.append(load, this.actions, this.status, this.detail);
    this.root.hidden = false;
    await this.refresh();
  }

  async refresh() {
    this.rec = null;
    if (this.cfg.state !== 'setup' && this.cfg.recordUrl) {
      try {
        // The rules of every event, streamed (ballots are not kept: the decryption step
        // re-reads the record and verifies each of them).
        const reader = new RecordReader({ keepBallots: false });
        for await (const event of streamEvents(this.openRecord())) reader.apply(event);
        this.rec = reader.out;
      } catch (exc) {
        this.renderActions(null);
        if (exc instanceof RecordError || exc instanceof TrusteeError) {
          this.say(this.t('record-error', { reason: exc.message }), 'error');
        } else {
          this.say(this.t('network-error'), 'error');
        }
        return;
      }
    }
    const next = nextAction(this.cfg, this.rec);
    this.renderActions(next);
    const notes = [];
    if (!next.action) notes.push(this.t(next.reason, { who: (next.who || []).join(', ') }));
    if (notes.length) this.say(notes.join(' '));
  }

  renderActions(next) {
    const { doc } = this;
    this.actions.replaceChildren();
    this.next = next;
    if (!next || !next.action) return;
    const run = el(doc, 'button', { type: 'button', class: 'scrutineer-run' }, this.t(ACTION_MSG[next.action]));
    run.addEventListener('click', () => this.onRun(next.action));
    this.actions.append(run);
    if (this.pending && this.pending.action === next.action) {
      run.disabled = true;
      if (NEEDS_SAVE[next.action]) {
        const save = el(doc, 'button', { type: 'button', class: 'scrutineer-save' }, this.t('save'));
        save.addEventListener('click', () => this.onSave());
        this.actions.append(' ', save);
      }
      const label = next.action === 'keys' ? 'publish-keys' : 'publish';
      const publish = el(doc, 'button', { type: 'button', class: 'scrutineer-publish' }, this.t(label));
      publish.disabled = NEEDS_SAVE[next.action] && !this.pending.saved;
      publish.addEventListener('click', () => this.onPublish());
      this.actions.append(' ', publish);
    }
  }

  async onFiles() {
    const files = [...(this.fileInput.files || [])];
    let bundle = this.bundle;
    try {
      for (const f of files) bundle = mergePrivate(bundle, JSON.parse(await f.text()), this.cfg.trustee);
    } catch {
      this.say(this.t('load-error', { id: this.cfg.trustee }), 'error');
      return;
    }
    this.bundle = bundle;
    this.fileInput.value = '';
    this.say(this.t('loaded', { id: this.cfg.trustee }));
  }

  /** An async iterable of the record's text, fetched anew on each call. */
  openRecord() {
    const { win, cfg } = this;
    return (async function* chunks() {
      const resp = await win.fetch(cfg.recordUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!resp.ok) throw new Error(String(resp.status));
      yield* responseChunks(resp);
    })();
  }

  /** The seal or the decryption, first: check every ballot (workers, with progress), then show the figures. */
  async onCheck(action) {
    this.busy = true;
    try {
      return await this.check(action);
    } finally {
      this.busy = false;
    }
  }

  async check(action) {
    const check = CHECKS[action];
    if (!this.bundle || !this.bundle.key) return this.say(this.t('need-key'), 'error');
    if (action === 'decrypt' && !this.bundle.share) return this.say(this.t('need-share'), 'error');
    const { doc } = this;
    const bar = el(doc, 'progress', { class: 'scrutineer-progress', max: '1', value: '0' });
    this.actions.replaceChildren(bar);
    this.say(this.t(check.checking, { done: 0, total: '…' }));
    const n = Math.max(1, Math.min(8, (this.win.navigator && this.win.navigator.hardwareConcurrency) || 2));
    const pool = typeof this.win.Worker === 'function' ? workerPool(n, this.win.Worker) : inlinePool();
    try {
      const { rec, summary } = await check.verify(() => this.openRecord(), {
        pool,
        minBallots: this.cfg.minBallots,
        lang: this.doc.documentElement.lang || 'en',
        onProgress: (p) => {
          if (p.phase === 'rereading') {
            this.say(this.t('rereading'));
            return;
          }
          bar.max = Math.max(1, p.ballots);
          bar.value = p.verified;
          this.say(this.t(check.checking, { done: p.verified, total: p.ballots }));
        },
      });
      this.rec = rec;
      this.checked = summary;
    } catch (exc) {
      this.renderActions(this.next);
      if (exc instanceof DecryptionRefused) this.say(this.t(`refused-${exc.reason}`, exc.params), 'error');
      else if (exc instanceof RecordError || exc instanceof TrusteeError) this.say(this.t('record-error', { reason: exc.message }), 'error');
      else this.say(this.t('network-error'), 'error');
      return undefined;
    } finally {
      pool.close();
    }
    const s = this.checked;
    this.actions.replaceChildren();
    const go = el(doc, 'button', { type: 'button', class: 'scrutineer-run scrutineer-confirm' }, this.t(check.confirm));
    go.addEventListener('click', () => this.onRun(action));
    this.actions.append(go);
    this.say(`${this.t(check.summary, {
      total: s.total, a: s.counted && s.counted.A, b: s.counted && s.counted.B, voters: s.voters, turnout: s.turnout,
      head: s.head,
    })} ${this.t('compare')}`);
    go.focus();
    return undefined;
  }

  async onRun(action) {
    if (action in CHECKS && !this.checked) {
      await this.onCheck(action);
      return;
    }
    this.say(this.t('working'));
    this.busy = true;
    await new Promise((r) => this.win.setTimeout(r, 0)); // let the status render before the work
    try {
      const { data, bundle, complaint } = runStep(action, this.cfg, this.rec, this.bundle);
      this.bundle = bundle;
      this.pending = { action, data, saved: !NEEDS_SAVE[action] || Boolean(complaint) };
      this.renderActions(this.next);
      this.say(complaint ? this.t('complaint-ready', { who: complaint }) : this.t(DONE_MSG[action]));
      const first = this.actions.querySelector('.scrutineer-save') || this.actions.querySelector('.scrutineer-publish');
      if (first) first.focus();
    } catch (exc) {
      if (exc instanceof TrusteeError && ['need-key', 'need-state', 'need-share'].includes(exc.code)) {
        this.say(this.t(exc.code), 'error');
      } else {
        this.say(this.t('step-error', { reason: exc.message }), 'error');
      }
    } finally {
      this.busy = false;
    }
  }

  onSave() {
    const name = privateFileName(this.bundle, this.cfg.slug);
    const blob = new this.win.Blob([JSON.stringify(this.bundle, null, 1) + '\n'], { type: 'application/json' });
    const url = this.win.URL.createObjectURL(blob);
    const a = el(this.doc, 'a', { href: url, download: name, hidden: true });
    this.doc.body.append(a);
    a.click();
    a.remove();
    this.win.setTimeout(() => this.win.URL.revokeObjectURL(url), 60000);
    this.pending.saved = true;
    const publish = this.actions.querySelector('.scrutineer-publish');
    if (publish) publish.disabled = false;
    this.say(this.t('saved', { file: name }));
  }

  async onPublish() {
    if (!this.pending) return;
    if (!this.pending.saved) {
      this.say(this.t('save-first'), 'error');
      return;
    }
    const url = this.pending.action === 'keys' ? this.cfg.keysPostUrl : this.cfg.stepPostUrl;
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    const token = csrfToken(this.doc);
    if (token) headers['X-CSRFToken'] = token;
    this.say(this.t('working'));
    let resp;
    try {
      resp = await this.win.fetch(url, { method: 'POST', credentials: 'same-origin', headers, body: JSON.stringify(this.pending.data) });
    } catch {
      this.say(this.t('network-error'), 'error');
      return;
    }
    let body = null;
    try {
      body = await resp.json();
    } catch {
      body = null;
    }
    if (!resp.ok) {
      this.sayRefused(body, resp.status);
      return;
    }
    const done = this.pending.action;
    this.pending = null;
    this.checked = null;
    if (done === 'keys') this.cfg.keysRegistered = true;
    if (body && body.state) this.cfg.state = body.state;
    if (body && typeof body.stamp === 'string') this.cfg.stamp = body.stamp;
    await this.refresh();
    this.say(this.t('published'), 'success');
    // The page's server-rendered parts (state, step to do, upload form) follow at once.
    this.root.dispatchEvent(new this.win.CustomEvent('scrutineer-published', { bubbles: true }));
  }
}

// What only a scrutineer's own files hold: never uploaded. Twin of voting.trustee.is_private_file.
const PRIVATE_FIELDS = ['signing_seed', 'encryption_secret', 'coefficients'];

export function isPrivateFile(doc) {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return false;
  const keys = Object.keys(doc);
  return doc.format === 'unevoix/v1/trustee-private' || PRIVATE_FIELDS.some((k) => keys.includes(k))
    || (keys.length === 3 && ['id', 'election', 'share'].every((k) => keys.includes(k)));
}

/** The upload form (files from the command-line tool) refuses a private file before it leaves the computer. */
function guardUploads(doc) {
  for (const form of doc.querySelectorAll('form[data-private-message]')) {
    const input = form.querySelector('input[type="file"]');
    form.addEventListener('submit', async (event) => {
      const file = input && input.files && input.files[0];
      if (!file) return;
      event.preventDefault();
      let parsed = null;
      try { parsed = JSON.parse(await file.text()); } catch (e) { /* not JSON: the server says so */ }
      if (!isPrivateFile(parsed)) { form.submit(); return; }
      input.value = '';
      let said = form.querySelector('.private-refused');
      if (!said) {
        said = doc.createElement('p');
        said.className = 'error private-refused';
        said.setAttribute('role', 'alert');
        form.insertBefore(said, form.firstChild);
      }
      said.textContent = form.dataset.privateMessage;
    });
  }
}

/** Mounts a widget on every scrutineer mount element of the document. */
export function start(doc = globalThis.document, win = globalThis) {
  guardUploads(doc);
  const roots = new Set([...doc.querySelectorAll('.scrutineer-browser, #scrutineer-browser')]);
  const widgets = [];
  for (const root of roots) {
    if (!root.dataset.trustee || !root.dataset.stepPostUrl) continue;
    const w = new ScrutineerWidget(root, win);
    widgets.push(w);
    w.mount();
  }
  if (widgets.length) doc.addEventListener('scrutineer-moved', (event) => widgets.forEach((w) => w.onMoved(event.detail)));
  return widgets;
}

if (typeof document !== 'undefined' && typeof window !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => start());
  else start();
}
