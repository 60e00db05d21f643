// What a scrutineer checks on the published record before acting on it
// (the scrutineer checks the record itself, not a view the officer prepares):
// a light replay of voting/record.py in the browser.
//
// readRecord(doc) checks: the format; every event's seq, prev link and hash;
// the election event is first; every trustee_commitments event (signature,
// proof of knowledge, shape, via verifyStep1) and no trustee twice; every
// trustee_share event (signature, acknowledges exactly the record's
// commitments, public share follows from the commitments); the election key is
// the product of the commitments; the credential list; supersession of ballots
// (the last ballot per credential counts); the item closes (a contest counts the
// ballots placed before its close: docs/election-record.md 5.8a); the close counts; and the tally:
// its per-category counts and, recomputed homomorphically from the counted
// ballots, its encrypted sums.  Ballot signatures and proofs are NOT checked
// here (too slow for a phone on a large election): `python -m voting.verify`
// does that, and the server checked each ballot when it accepted it.
import { IDENTITY, add, elementFromHex, elementToHex, elementsToHex } from '../ballot/group.mjs';
import { canonicalHash, canonicalJson } from '../ballot/encoding.mjs';
import {
  TrusteeError, asElection, commitmentEval, jointPublicKey, step1Hash, verifyComplaint, verifyPartialDecryption,
  verifyStep1, verifyTrusteeSignature,
} from './dkg.mjs';

export const RECORD_FORMAT = 'unevoix/v1/record';
export const GENESIS_PREV = '0'.repeat(64);
const CATEGORIES = ['A', 'B'];

/** The record breaks a rule; `code` is the verifier's reason code, `seq` the event. */
export class RecordError extends Error {
  constructor(code, message, seq = null) {
    super(`${code}: ${message}${seq === null ? '' : ` (event ${seq})`}`);
    this.name = 'RecordError';
    this.code = code;
    this.detail = message;
    this.seq = seq;
  }
}

/** H({seq, type, prev, data}). */
export function eventHash(event) {
  return canonicalHash({ seq: event.seq, type: event.type, prev: event.prev, data: event.data });
}

function isObject(o) {
  return o !== null && typeof o === 'object' && !Array.isArray(o);
}

/**
 * Replays a record document ({format, events}); returns what a scrutineer needs:
 * { election (asElection), definition, events, step1: [data], step1Hashes: {id: hash},
 *   commitments: {id: [points]}, shares: {id: hex}, publicKey: hex|null, closed, closeHead,
 *   tally: {seq, hash, sums, counted} | null, decryptions: {id: data} }.
 * Throws RecordError (or TrusteeError from a trustee check) on the first broken rule.
 * The encrypted tally is re-added from the counted ballots (whatever the size; ballot
 * signatures and proofs are checked by verifyForDecryption in verifier.mjs, which streams).
 */
export function readRecord(doc, opts = {}) {
  if (!isObject(doc) || doc.format !== RECORD_FORMAT || !Array.isArray(doc.events) || !doc.events.length) {
    throw new RecordError('record_format', `not a ${RECORD_FORMAT} document`);
  }
  const reader = new RecordReader({ keepBallots: opts.checkSums !== false });
  for (const event of doc.events) reader.apply(event);
  const out = reader.out;
  out.events = doc.events;
  return out;
}

/**
 * The rules of the record, one event at a time (the streaming form of readRecord).
 * keepBallots: keep each credential's last ballot and re-add the tally at the tally event;
 * otherwise onBallot(seq, ballot, category, eventHash, supersededSeq) is called for each
 * ballot and the caller checks the sums (verifier.mjs).
 */
export class RecordReader {
  constructor({ keepBallots = true, onBallot = null } = {}) {
    this.keepBallots = keepBallots;
    this.onBallot = onBallot;
    this.seq = 0;
    this.prev = null;
    this.out = {
      election: null, definition: null, events: null, step1: [], step1Hashes: {}, commitments: {}, shares: {},
      publicKey: null, closed: false, closeHead: null, tally: null, decryptions: {}, credentials: new Map(), ballots: 0,
      sumsChecked: null, result: null, lastHash: null, disqualified: {}, step1ByDealer: {},
      opened: false, revoked: new Set(), close: null, seals: {},
    };
    this.lastByCredential = new Map();
    this.trackers = new Set();
    // The agenda items closed one by one: [{seq, contests, counted: Map credential -> entry}].
    this.itemCloses = [];
    this.closedContests = new Map();
    // The agenda items held back at the opening (item_hold) and the seq of each one's item_open.
    this.openSeq = null;
    this.heldContests = new Set();
    this.itemOpened = new Map();
  }

  /** The ballots that count for a contest: the last of each unrevoked credential placed before
   * that contest closed (its item close, else the final close), as voting.record.counted_for. */
  countedFor(contestId) {
    const item = this.closedContests.get(contestId);
    const counted = item ? item.counted : this.lastByCredential;
    if (!this.heldContests.has(contestId)) return counted;
    // Held back at the opening: only the ballots placed after its item_open (none if never opened).
    const start = this.itemOpened.get(contestId);
    if (start === undefined) return new Map();
    return new Map([...counted].filter(([, e]) => e.seq > start));
  }

  /** The contests held back at the opening whose vote is not open yet. */
  waitingContests() {
    if (this.out.closed || !this.out.election) return [];
    return this.out.election.definition.contests.map((c) => c.id)
      .filter((id) => this.heldContests.has(id) && !this.itemOpened.has(id));
  }

  /** Whether contests count apart (items closed or held apart): the tally states contest_counted. */
  perContest() {
    return this.itemCloses.length > 0 || this.heldContests.size > 0;
  }

  itemNames(data, seq, code) {
    const keys = isObject(data) ? Object.keys(data).sort().join(',') : '';
    if (keys !== 'contests,election' || !Array.isArray(data.contests) || !data.contests.length) {
      throw new RecordError('event_format', `an ${code} has exactly election, contests (not empty)`, seq);
    }
    const order = this.out.election.definition.contests.map((c) => c.id);
    const names = data.contests;
    const inOrder = names.every((c, i) => typeof c === 'string' && order.includes(c)
      && (i === 0 || order.indexOf(names[i - 1]) < order.indexOf(c)));
    if (!inOrder) throw new RecordError(code, `an ${code} names contests of the definition, once each, in its order`, seq);
    return names;
  }

  /** Per contest, the counted ballots per category (the tally's contest_counted). */
  contestCounted() {
    const out = {};
    for (const c of this.out.election.definition.contests) {
      const per = { A: 0, B: 0 };
      for (const e of this.countedFor(c.id).values()) per[e.category] += 1;
      out[c.id] = per;
    }
    return out;
  }

  /** The contests whose vote is still open. */
  openContests() {
    if (this.out.closed || !this.out.election) return [];
    return this.out.election.definition.contests.map((c) => c.id).filter((id) => !this.closedContests.has(id));
  }

  /** Per category, the number of counted ballots (the last of each credential). */
  countedByCategory() {
    const counted = { A: 0, B: 0 };
    for (const e of this.lastByCredential.values()) counted[e.category] += 1;
    return counted;
  }

  /** Unrevoked credentials per category (one per voter), as voting.record's electorate(). */
  electorate() {
    const out = { A: 0, B: 0 };
    for (const [cred, cat] of this.out.credentials) if (!this.out.revoked.has(cred)) out[cat] += 1;
    return out;
  }

  apply(event) {
    const seq = this.seq;
    const { out, lastByCredential, trackers } = this;
    const prev = this.prev;
    if (!isObject(event) || !['seq', 'type', 'prev', 'data', 'hash'].every((k) => k in event) || Object.keys(event).length !== 5) {
      throw new RecordError('event_format', 'an event has exactly seq, type, prev, data, hash', seq);
    }
    if (event.seq !== seq) throw new RecordError('sequence', `expected event ${seq}`, seq);
    if (event.prev !== (prev ? prev.hash : GENESIS_PREV)) throw new RecordError('hash_link', 'prev is not the previous hash', seq);
    if (event.hash !== eventHash(event)) throw new RecordError('event_hash', 'the hash does not match the event', seq);
    if (out.result) throw new RecordError('order', 'no event may follow the result', seq);
    this.prev = { hash: event.hash };
    this.seq += 1;
    out.lastHash = event.hash;
    const { type, data } = event;
    if (seq === 0) {
      if (type !== 'election') throw new RecordError('order', 'the record starts with the election', seq);
      out.definition = data;
      try {
        out.election = asElection(data);
      } catch (exc) {
        throw new RecordError('event_format', `election definition: ${exc.message}`, seq);
      }
      return;
    }
    if (type === 'election') throw new RecordError('order', 'a second election definition', seq);
    const el = out.election;
    const trusteeStep = (fn) => {
      try {
        fn();
      } catch (exc) {
        if (exc instanceof TrusteeError) throw new RecordError(exc.code, exc.detail, seq);
        throw exc;
      }
    };
    if (isObject(data) && 'election' in data && type !== 'ballot' && data.election !== el.fingerprint) {
      throw new RecordError('wrong_election', 'data names another election', seq);
    }
    switch (type) {
      case 'trustee_commitments': {
        if (out.publicKey !== null || Object.keys(out.shares).length) {
          throw new RecordError('order', 'trustee commitments after key generation moved on', seq);
        }
        let elems;
        trusteeStep(() => { elems = verifyStep1(el, data); });
        if (data.trustee in out.commitments) throw new RecordError('duplicate_trustee', `trustee ${data.trustee} published twice`, seq);
        out.commitments[data.trustee] = elems;
        out.step1Hashes[data.trustee] = step1Hash(data);
        out.step1ByDealer[data.trustee] = data;
        out.step1.push(data);
        break;
      }
      case 'trustee_complaint': {
        const missing = el.trustees.filter((t) => !(t.id in out.commitments));
        if (missing.length || out.publicKey !== null) {
          throw new RecordError('order', 'a complaint comes after every trustee\'s commitments, before the election key', seq);
        }
        if (!isObject(data) || typeof data.dealer !== 'string' || !(data.dealer in out.step1ByDealer)) {
          throw new RecordError('trustee_format', 'a complaint names a trustee whose commitments are on the record', seq);
        }
        if (data.dealer in out.disqualified) {
          throw new RecordError('duplicate_trustee', `trustee ${data.dealer} is already left out of key generation`, seq);
        }
        trusteeStep(() => verifyComplaint(el, out.step1ByDealer[data.dealer], data));
        out.disqualified[data.dealer] = data.trustee;
        out.shares = {}; // every public share so far counted that dealer: each trustee publishes again
        break;
      }
      case 'trustee_share': {
        const missing = el.trustees.filter((t) => !(t.id in out.commitments)).map((t) => t.id);
        if (missing.length || out.publicKey !== null) throw new RecordError('order', 'public share before all commitments', seq);
        trusteeStep(() => verifyTrusteeSignature(el, 'trustee_share', data));
        const who = data.trustee;
        if (who in out.shares) throw new RecordError('duplicate_trustee', `trustee ${who} published its share twice`, seq);
        const dealers = data.dealers;
        const ids = qualifiedDealers(el, out);
        if (!isObject(dealers) || Object.keys(dealers).length !== ids.length || ids.some((id) => dealers[id] !== out.step1Hashes[id])) {
          throw new RecordError('trustee_share', `trustee ${who} acknowledged other commitments than the record's`, seq);
        }
        const index = el.index(who);
        const expected = elementToHex(ids.map((d) => out.commitments[d]).reduce((acc, cs) => add(acc, commitmentEval(cs, index)), IDENTITY));
        if (data.public_share !== expected) {
          throw new RecordError('trustee_share', `trustee ${who}: public share does not follow from the commitments`, seq);
        }
        out.shares[who] = expected;
        break;
      }
      case 'election_key': {
        const qualified = qualifiedDealers(el, out);
        const y = elementToHex(jointPublicKey(qualified.map((d) => out.commitments[d] || [IDENTITY])));
        if (el.trustees.some((t) => !(t.id in out.shares)) || out.publicKey !== null) {
          throw new RecordError('order', 'election key before every trustee confirmed', seq);
        }
        if (qualified.length < el.threshold) {
          throw new RecordError('order', `only ${qualified.length} qualified dealers, fewer than the threshold: key generation must restart with replacement scrutineers`, seq);
        }
        if (data.public_key !== y) throw new RecordError('election_key', 'the election key is not the product of the commitments', seq);
        if (/^0+$/.test(y)) throw new RecordError('election_key', 'the election key is the identity element (no secrecy at all)', seq);
        out.publicKey = y;
        break;
      }
      case 'credentials': {
        if (out.closed) throw new RecordError('order', 'credentials after close', seq);
        if (!Array.isArray(data.credentials)) throw new RecordError('credential_format', 'credentials event malformed', seq);
        for (const item of data.credentials) {
          if (!isObject(item) || !CATEGORIES.includes(item.category) || typeof item.credential !== 'string') {
            throw new RecordError('credential_format', 'credential entry malformed', seq);
          }
          if (out.credentials.has(item.credential)) throw new RecordError('credential_duplicate', 'a credential appears twice', seq);
          out.credentials.set(item.credential, item.category);
        }
        break;
      }
      case 'electorate_addition': { // new voters after the opening: a late correction (docs 5.7c)
        if (!out.opened || out.closed) throw new RecordError('order', 'a late addition to the electorate comes after the opening, before the close', seq);
        if (!Array.isArray(data.credentials) || !data.credentials.length || !isObject(data.electorate)) {
          throw new RecordError('credential_format', 'an electorate addition has exactly election, credentials, electorate', seq);
        }
        for (const item of data.credentials) {
          if (!isObject(item) || !CATEGORIES.includes(item.category) || typeof item.credential !== 'string') {
            throw new RecordError('credential_format', 'credential entry malformed', seq);
          }
          if (out.credentials.has(item.credential)) throw new RecordError('credential_duplicate', 'a credential appears twice', seq);
          out.credentials.set(item.credential, item.category);
        }
        const after = this.electorate();
        if (Object.keys(data.electorate).length !== 2 || CATEGORIES.some((c) => data.electorate[c] !== after[c])) {
          throw new RecordError('open_count', 'the electorate after the addition differs from the credential list', seq);
        }
        break;
      }
      case 'revocation': {
        if (out.closed) throw new RecordError('order', 'revocation after close', seq);
        if (!out.credentials.has(data.credential)) throw new RecordError('unknown_credential', 'revocation of an unknown credential', seq);
        if (out.revoked.has(data.credential)) throw new RecordError('revocation', 'already revoked', seq);
        out.revoked.add(data.credential);
        lastByCredential.delete(data.credential); // its ballots no longer count
        break;
      }
      case 'open': {
        if (out.publicKey === null || out.opened) throw new RecordError('order', 'open before the key or twice', seq);
        out.opened = true;
        this.openSeq = seq;
        break;
      }
      case 'item_hold': {
        if (this.openSeq === null || seq !== this.openSeq + 1) {
          throw new RecordError('order', 'items are held back by the event right after the opening', seq);
        }
        this.heldContests = new Set(this.itemNames(data, seq, 'item_hold'));
        break;
      }
      case 'item_open': {
        if (!out.opened || out.closed) throw new RecordError('order', 'an item opens after the opening, before the close', seq);
        const names = this.itemNames(data, seq, 'item_open');
        const waiting = new Set(this.waitingContests());
        const wrong = names.filter((c) => !waiting.has(c));
        if (wrong.length) throw new RecordError('item_open', `contest ${wrong[0]} was not held back or is already open`, seq);
        for (const c of names) this.itemOpened.set(c, seq);
        break;
      }
      case 'seal_signature': {
        if (!out.closed) throw new RecordError('order', 'a seal signature before the close', seq);
        trusteeStep(() => verifyTrusteeSignature(el, 'seal_signature', data));
        if (data.trustee in out.seals) throw new RecordError('duplicate_trustee', `trustee ${data.trustee} signed the seal twice`, seq);
        if (data.close !== out.close.hash || data.head !== out.close.head || data.counted !== out.close.counted) {
          throw new RecordError('seal', `trustee ${data.trustee} signed another close, count or head`, seq);
        }
        out.seals[data.trustee] = data;
        break;
      }
      case 'ballot': {
        if (out.publicKey === null || !out.opened) throw new RecordError('ballot_before_open', 'ballot before the opening', seq);
        if (out.revoked.has(data.ballot && data.ballot.credential)) throw new RecordError('revoked_credential', 'ballot of a revoked credential', seq);
        if (out.closed || !this.openContests().length) throw new RecordError('ballot_after_close', 'ballot after close', seq);
        const ballot = data.ballot;
        const cred = ballot && ballot.credential;
        if (!out.credentials.has(cred)) throw new RecordError('unknown_credential', 'ballot of an unknown credential', seq);
        if (data.tracker !== canonicalHash(ballot)) throw new RecordError('tracker', 'the tracker is not the hash of the ballot', seq);
        if (trackers.has(data.tracker)) throw new RecordError('duplicate_ballot', 'the same ballot twice', seq);
        trackers.add(data.tracker);
        const before = lastByCredential.get(cred);
        if (data.supersedes !== (before ? before.tracker : null)) {
          throw new RecordError('supersession', 'the ballot does not name the previous ballot of its credential', seq);
        }
        const category = out.credentials.get(cred);
        lastByCredential.set(cred, { tracker: data.tracker, seq, ballot: this.keepBallots ? ballot : null, category });
        out.ballots += 1;
        if (this.onBallot) this.onBallot(seq, ballot, category, event.hash, before ? before.seq : null);
        break;
      }
      case 'item_close': {
        if (!out.opened || out.closed) throw new RecordError('order', 'an item closes after the opening, before the close', seq);
        const keys = isObject(data) ? Object.keys(data).sort().join(',') : '';
        if (keys !== 'contests,counted,election,head' || !Array.isArray(data.contests) || !data.contests.length) {
          throw new RecordError('event_format', 'an item close has exactly election, contests (not empty), counted, head', seq);
        }
        const order = el.definition.contests.map((c) => c.id);
        const names = data.contests;
        const inOrder = names.every((c, i) => typeof c === 'string' && order.includes(c)
          && (i === 0 || order.indexOf(names[i - 1]) < order.indexOf(c)));
        if (!inOrder) throw new RecordError('item_close', 'an item close names contests of the definition, once each, in its order', seq);
        const again = names.filter((c) => this.closedContests.has(c));
        if (again.length) throw new RecordError('item_close', `contest ${again[0]} is already closed`, seq);
        const notYet = names.filter((c) => this.waitingContests().includes(c));
        if (notYet.length) throw new RecordError('item_close', `contest ${notYet[0]} is not open yet`, seq);
        if (data.counted !== lastByCredential.size || data.head !== event.prev) {
          throw new RecordError('close_count', 'the item close counts differ from the board', seq);
        }
        const item = { seq, contests: names, counted: new Map(lastByCredential) };
        this.itemCloses.push(item);
        for (const c of names) this.closedContests.set(c, item);
        break;
      }
      case 'close': {
        if (out.publicKey === null || out.closed) throw new RecordError('order', 'close before the key or twice', seq);
        if (data.ballots !== out.ballots || data.counted !== lastByCredential.size || data.head !== event.prev) {
          throw new RecordError('close_count', 'the close counts differ from the board', seq);
        }
        out.closed = true;
        out.closeHead = event.prev;
        out.close = { hash: event.hash, head: data.head, counted: data.counted };
        break;
      }
      case 'tally': {
        if (!out.closed || out.tally) throw new RecordError('order', 'tally before close or twice', seq);
        if (Object.keys(out.seals).length < el.threshold) throw new RecordError('not_enough_seals', 'fewer than k seal signatures', seq);
        const counted = this.countedByCategory();
        if (!isObject(data.counted) || CATEGORIES.some((c) => data.counted[c] !== counted[c]) || Object.keys(data.counted).length !== 2) {
          throw new RecordError('tally_count', 'the tally counts other ballots than the last per credential', seq);
        }
        const items = this.perContest();
        const members = Object.keys(data).sort().join(',');
        if (members !== (items ? 'contest_counted,counted,decrypt,election,sums' : 'counted,decrypt,election,sums')) {
          throw new RecordError('event_format', 'tally malformed (contest_counted exactly when items were closed)', seq);
        }
        const perContest = items ? this.contestCounted() : null;
        if (items && canonicalJson(data.contest_counted) !== canonicalJson(perContest)) {
          throw new RecordError('tally_count', 'the tally counts, for a contest, other ballots than those placed before its close', seq);
        }
        checkSumsShape(el, data.sums, seq);
        out.sumsChecked = this.keepBallots;
        if (this.keepBallots) {
          const expected = sumBallots(el, lastByCredential.values());
          // Contests counted apart (closed or held apart): from the ballots that count for each.
          const apart = new Map();
          for (const c of el.definition.contests) {
            if (!this.closedContests.has(c.id) && !this.heldContests.has(c.id)) continue;
            const item = this.closedContests.get(c.id);
            const key = `${item ? item.seq : -1}/${this.heldContests.has(c.id) ? (this.itemOpened.get(c.id) ?? -2) : -1}`;
            if (!apart.has(key)) apart.set(key, []);
            apart.get(key).push(c.id);
          }
          for (const cids of apart.values()) {
            const own = sumBallots(el, this.countedFor(cids[0]).values());
            for (const cat of CATEGORIES) for (const cid of cids) expected[cat][cid] = own[cat][cid];
          }
          const diff = firstDifference(el, data.sums, expected);
          if (diff) throw new RecordError('tally_sum', `the encrypted tally is not the sum of the counted ballots (${diff})`, seq);
        }
        // data.decrypt: the totals the minimum count allows to decrypt (per category, "total", or none);
        // voting.record checks it follows from the sums.
        // What may be decrypted follows from the counts and the definition's minimum: recomputed here,
        // never taken from the server (a made-up "decrypt" could hold one member's ciphertexts).
        const want = decryptSums(el, data.sums, items ? contestGroups(el, perContest, minBallotsOf(el))
          : publishedGroups(counted, minBallotsOf(el)));
        if (!isObject(data.decrypt) || canonicalJson(data.decrypt) !== canonicalJson(want)) {
          throw new RecordError('tally_decrypt', 'the totals to decrypt are not those the minimum count allows', seq);
        }
        out.tally = {
          seq, hash: event.hash, sums: data.sums, decrypt: data.decrypt, counted: data.counted, contestCounted: perContest,
        };
        break;
      }
      case 'partial_decryption': {
        if (!out.tally) throw new RecordError('order', 'partial decryption before the tally', seq);
        const who = data.trustee;
        if (who in out.decryptions) throw new RecordError('duplicate_decryption', `trustee ${who} decrypted twice`, seq);
        if (!(who in out.shares)) throw new RecordError('unknown_trustee', `${JSON.stringify(who)} is not a trustee`, seq);
        trusteeStep(() => verifyPartialDecryption(el, data, out.shares[who], out.tally.decrypt, out.tally.hash));
        out.decryptions[who] = data;
        break;
      }
      case 'result':
        out.result = data;
        break;
      default:
        throw new RecordError('event_format', `unknown event type ${JSON.stringify(type)}`, seq);
    }
  }
}

/** The definition's minimum number of ballots behind any published count. */
export function minBallotsOf(el) {
  const m = el.definition.min_ballots;
  return Number.isInteger(m) ? m : 5;
}

/** As voting.crypto.tally.published_groups: which totals may be decrypted. */
export function publishedGroups(counted, minBallots) {
  if (CATEGORIES.every((c) => !counted[c] || counted[c] >= minBallots)) return [...CATEGORIES];
  if (CATEGORIES.reduce((n, c) => n + (counted[c] || 0), 0) >= minBallots) return ['total'];
  return [];
}

/** As voting.crypto.tally.contest_groups: per contest, the groups its counted ballots allow. */
export function contestGroups(el, perContest, minBallots) {
  const out = {};
  for (const c of el.definition.contests) out[c.id] = publishedGroups(perContest[c.id], minBallots);
  return out;
}

/** As voting.crypto.tally.decrypt_sums: the ciphertexts to decrypt, per category or "total";
 * groups: the same list for every contest, or {contestId: list} (items closed apart). */
export function decryptSums(el, sums, groups) {
  const contests = el.definition.contests;
  const per = {};
  for (const c of contests) per[c.id] = Array.isArray(groups) ? groups : groups[c.id];
  const out = {};
  for (const group of ['A', 'B', 'total']) {
    const mine = contests.filter((c) => per[c.id].includes(group));
    if (!mine.length) continue;
    out[group] = {};
    for (const c of mine) {
      out[group][c.id] = {};
      for (const ch of c.choices) {
        if (CATEGORIES.includes(group)) {
          out[group][c.id][ch] = { alpha: sums[group][c.id][ch].alpha, beta: sums[group][c.id][ch].beta };
        } else {
          const pts = CATEGORIES.map((cat) => sums[cat][c.id][ch]);
          const [a, b] = elementsToHex([
            pts.reduce((acc, p) => add(acc, elementFromHex(p.alpha, { allowIdentity: true })), IDENTITY),
            pts.reduce((acc, p) => add(acc, elementFromHex(p.beta, { allowIdentity: true })), IDENTITY),
          ]);
          out[group][c.id][ch] = { alpha: a, beta: b };
        }
      }
    }
  }
  return out;
}

/** The dealers whose polynomials make the key: every trustee no complaint proved at fault. */
export function qualifiedDealers(el, out) {
  return el.trustees.map((t) => t.id).filter((id) => !(id in out.disqualified));
}

/** The first category/contest/choice where two sums differ, or null. */
export function firstDifference(el, got, want) {
  for (const cat of CATEGORIES) {
    for (const c of el.definition.contests) {
      for (const ch of c.choices) {
        const a = got[cat][c.id][ch];
        const b = want[cat][c.id][ch];
        if (a.alpha !== b.alpha || a.beta !== b.beta) return `${cat}/${c.id}/${ch}`;
      }
    }
  }
  return null;
}

function checkSumsShape(el, sums, seq) {
  const bad = () => new RecordError('event_format', 'tally sums must cover every category, contest and choice', seq);
  if (!isObject(sums) || Object.keys(sums).length !== CATEGORIES.length) throw bad();
  for (const cat of CATEGORIES) {
    const per = sums[cat];
    if (!isObject(per) || Object.keys(per).length !== el.definition.contests.length) throw bad();
    for (const c of el.definition.contests) {
      const chs = per[c.id];
      if (!isObject(chs) || Object.keys(chs).length !== c.choices.length) throw bad();
      for (const ch of c.choices) {
        const ct = chs[ch];
        if (!isObject(ct) || Object.keys(ct).length !== 2 || !('alpha' in ct) || !('beta' in ct)) throw bad();
        try {
          elementFromHex(ct.alpha, { allowIdentity: true });
          elementFromHex(ct.beta, { allowIdentity: true });
        } catch (exc) {
          throw new RecordError('invalid_element', exc.message, seq);
        }
      }
    }
  }
}

/** Homomorphic sums {cat: {contest: {choice: {alpha, beta}}}} of the counted ballots. */
export function sumBallots(el, entries) {
  const contests = el.definition.contests;
  const acc = {};
  for (const cat of CATEGORIES) acc[cat] = contests.map((c) => c.choices.map(() => [IDENTITY, IDENTITY]));
  for (const { ballot, category } of entries) {
    const col = acc[category];
    ballot.contests.forEach((c, i) => {
      c.choices.forEach((ch, j) => {
        const cell = col[i][j];
        cell[0] = add(cell[0], elementFromHex(ch.alpha));
        cell[1] = add(cell[1], elementFromHex(ch.beta));
      });
    });
  }
  const out = {};
  for (const cat of CATEGORIES) {
    const flat = elementsToHex(acc[cat].flat(2));
    let k = 0;
    out[cat] = {};
    contests.forEach((c) => {
      out[cat][c.id] = {};
      c.choices.forEach((ch) => {
        out[cat][c.id][ch] = { alpha: flat[k], beta: flat[k + 1] };
        k += 2;
      });
    });
  }
  return out;
}
