// What the browser scrutineer checks before it decrypts anything: every counted
// ballot's shape, signature and proofs, and the encrypted tally re-added from
// those ballots, whatever the size of the board; then that the board is closed
// (sealed), that every published count combines at least `minBallots` ballots,
// and it returns the figures to show the scrutineer (count, turnout, head).
//
// The record is read as a stream (fetch's body, or chunks of a file in node):
// events are parsed one at a time and ballots are verified in a pool of Web
// Workers (verify-worker.mjs) with progress, so a 36,000-ballot record (about
// 1 GB) never sits whole in the page's memory. The tally is the sum of every
// ballot minus the superseded ones; those (a few) are read again in a second
// pass over the record, and their event hashes must match the first pass.
import {
  checkBallotShape, electionFingerprint, parseCiphertexts, verifyBallotProofs, verifyBallotSignature,
} from '../ballot/ballot.mjs';
import { IDENTITY, add, elementFromHex, elementsToHex, sub } from '../ballot/group.mjs';
import { RECORD_FORMAT, RecordError, RecordReader, eventHash, firstDifference, minBallotsOf } from './record.mjs';

const CATEGORIES = ['A', 'B'];
export const DEFAULT_MIN_BALLOTS = 5;
export const BATCH = 25;

/** The scrutineer tool refuses to decrypt; `code` is 'refused', `reason` a message key for the page. */
export class DecryptionRefused extends Error {
  constructor(reason, params = {}, message = reason) {
    super(message);
    this.name = 'DecryptionRefused';
    this.code = 'refused';
    this.reason = reason;
    this.params = params;
  }
}

// ---------------------------------------------------------------- streaming the record

/**
 * Yields the events of a record document from an async iterable of text chunks, one
 * parsed event at a time; `meta.format` and `meta.keys` are filled in as they are read.
 * Strings are tracked so that braces inside them are ignored.
 */
export async function* streamEvents(chunks, meta = {}) {
  let depth = 0;
  let inString = false;
  let escaped = false;
  let head = ''; // the document without the events' contents, parsed at the end
  let inEvents = false;
  let pieces = [];
  meta.format = undefined;
  for await (const chunk of chunks) {
    let start = -1; // where the current event starts in this chunk
    if (inEvents && depth >= 2 && pieces.length) start = 0;
    let headFrom = inEvents ? -1 : 0;
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === 92) escaped = true; // backslash
        else if (ch === 34) inString = false; // quote
        continue;
      }
      if (ch === 34) {
        inString = true;
      } else if (ch === 123 || ch === 91) { // { [
        if (inEvents && depth === 2) start = i;
        depth += 1;
        if (!inEvents && depth === 2 && ch === 91 && /"events"\s*:\s*$/.test(head + chunk.slice(headFrom, i))) {
          head += chunk.slice(headFrom, i + 1);
          headFrom = -1;
          inEvents = true;
        }
      } else if (ch === 125 || ch === 93) { // } ]
        depth -= 1;
        if (inEvents && depth === 2 && ch === 125) {
          pieces.push(chunk.slice(start, i + 1));
          const text = pieces.join('');
          pieces = [];
          start = -1;
          yield JSON.parse(text);
        } else if (inEvents && depth === 1) {
          inEvents = false;
          headFrom = i;
        }
      }
    }
    if (inEvents && start >= 0) pieces.push(chunk.slice(start));
    if (!inEvents && headFrom >= 0) head += chunk.slice(headFrom);
  }
  let doc;
  try {
    doc = JSON.parse(head);
  } catch {
    throw new RecordError('record_format', `not a ${RECORD_FORMAT} document`);
  }
  meta.format = doc && doc.format;
  meta.keys = doc && typeof doc === 'object' ? Object.keys(doc) : [];
}

/** Text chunks of a fetch Response body (or of anything with a readable `body`). */
export async function* responseChunks(resp) {
  const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    yield value;
  }
}

// ---------------------------------------------------------------- verifying ballots

/**
 * Verifies a batch of ballots ([{seq, ballot, category}]) against the election definition and
 * key; returns {failures: [{seq, code, message}], sums: {A: [[alphaHex, betaHex], ...], B}, count}
 * where sums adds every valid ballot's ciphertexts, choice by choice in definition order.
 */
export function verifyBallotBatch(definition, publicKey, items, fp = electionFingerprint(definition)) {
  const width = definition.contests.reduce((n, c) => n + c.choices.length, 0);
  const acc = {};
  for (const cat of CATEGORIES) acc[cat] = Array.from({ length: width }, () => [IDENTITY, IDENTITY]);
  const failures = [];
  for (const { seq, ballot, category } of items) {
    let cts;
    try {
      checkBallotShape(definition, ballot, fp);
      verifyBallotSignature(ballot);
      verifyBallotProofs(definition, publicKey, ballot, fp);
      cts = parseCiphertexts(ballot);
    } catch (exc) {
      failures.push({ seq, code: exc.code || 'ballot_format', message: exc.message });
      continue;
    }
    const col = acc[category];
    let i = 0;
    for (const pairs of cts) {
      for (const [a, b] of pairs) {
        col[i][0] = add(col[i][0], a);
        col[i][1] = add(col[i][1], b);
        i += 1;
      }
    }
  }
  const sums = {};
  for (const cat of CATEGORIES) {
    const flat = elementsToHex(acc[cat].flat());
    sums[cat] = acc[cat].map((_, i) => [flat[2 * i], flat[2 * i + 1]]);
  }
  return { failures, sums, count: items.length };
}

/** A pool that verifies in this thread (node tests, or a browser without module workers). */
export function inlinePool() {
  let ctx = null;
  return {
    size: 1,
    init(definition, publicKey) {
      ctx = { definition, publicKey, fp: electionFingerprint(definition) };
    },
    run(items) {
      return Promise.resolve(verifyBallotBatch(ctx.definition, ctx.publicKey, items, ctx.fp));
    },
    close() {},
  };
}

/** A pool of `size` module Web Workers running verify-worker.mjs. */
export function workerPool(size, WorkerClass = globalThis.Worker, url = new URL('./verify-worker.mjs', import.meta.url)) {
  const workers = Array.from({ length: size }, () => new WorkerClass(url, { type: 'module' }));
  const idle = [...workers];
  const waiting = [];
  const jobs = new Map();
  let nextId = 0;
  for (const w of workers) {
    w.onmessage = (ev) => {
      const { id, result, error } = ev.data;
      const job = jobs.get(id);
      jobs.delete(id);
      idle.push(w);
      if (waiting.length) waiting.shift()();
      if (error) job.reject(new Error(error));
      else job.resolve(result);
    };
    w.onerror = (ev) => {
      for (const job of jobs.values()) job.reject(new Error(ev.message || 'worker error'));
      jobs.clear();
    };
  }
  return {
    size,
    init(definition, publicKey) {
      for (const w of workers) w.postMessage({ type: 'init', definition, publicKey });
    },
    async run(items) {
      while (!idle.length) await new Promise((r) => waiting.push(r));
      const w = idle.pop();
      const id = nextId++;
      return new Promise((resolve, reject) => {
        jobs.set(id, { resolve, reject });
        w.postMessage({ type: 'batch', id, items });
      });
    },
    close() {
      for (const w of workers) w.terminate();
    },
  };
}

// ---------------------------------------------------------------- the decryption guard

function addSums(acc, sums, sign = 1) {
  for (const cat of CATEGORIES) {
    const col = acc[cat];
    sums[cat].forEach(([a, b], i) => {
      const pa = elementFromHex(a, { allowIdentity: true });
      const pb = elementFromHex(b, { allowIdentity: true });
      col[i] = sign > 0 ? [add(col[i][0], pa), add(col[i][1], pb)] : [sub(col[i][0], pa), sub(col[i][1], pb)];
    });
  }
}

function sumsJson(el, acc) {
  const out = {};
  for (const cat of CATEGORIES) {
    const flat = elementsToHex(acc[cat].flat());
    let k = 0;
    out[cat] = {};
    for (const c of el.definition.contests) {
      out[cat][c.id] = {};
      for (const ch of c.choices) {
        out[cat][c.id][ch] = { alpha: flat[k], beta: flat[k + 1] };
        k += 2;
      }
    }
  }
  return out;
}

/**
 * Reads the record from `open()` (an async iterable of text chunks), checks every rule and
 * every ballot (signature and proofs, in the pool's workers), and returns what the two
 * steps after the close build on: {reader, rec, el, acc (the encrypted sums of every ballot
 * per category), hashes (seq -> hash of each ballot), verified}. Throws RecordError, or
 * DecryptionRefused('not-closed') for a box still open.
 */
async function verifyClosedBoard(open, opts) {
  const pool = opts.pool || inlinePool();
  const onProgress = opts.onProgress || (() => {});
  const hashes = new Map(); // seq -> event hash of every ballot (to check the second pass)
  let batch = [];
  const running = new Set();
  const failures = [];
  let acc = null;
  let verified = 0;
  let el = null;
  let started = false;
  const submit = async () => {
    const items = batch;
    batch = [];
    const p = pool.run(items).then((res) => {
      failures.push(...res.failures);
      addSums(acc, res.sums);
      verified += res.count;
      onProgress({ phase: 'verifying', ballots: reader.out.ballots, verified });
    });
    running.add(p);
    p.finally(() => running.delete(p));
    while (running.size >= 2 * pool.size) await Promise.race(running);
  };
  const reader = new RecordReader({
    keepBallots: false,
    onBallot(seq, ballot, category, hash) {
      hashes.set(seq, hash);
      batch.push({ seq, ballot, category });
    },
  });
  const meta = {};
  let ruleError = null;
  try {
    try {
      for await (const event of streamEvents(open(), meta)) {
        reader.apply(event);
        if (!started && reader.out.publicKey) {
          started = true;
          el = reader.out.election;
          const width = el.definition.contests.reduce((n, c) => n + c.choices.length, 0);
          acc = {};
          for (const cat of CATEGORIES) acc[cat] = Array.from({ length: width }, () => [IDENTITY, IDENTITY]);
          pool.init(reader.out.definition, reader.out.publicKey);
        }
        if (batch.length >= BATCH) await submit();
      }
      if (batch.length) await submit();
    } catch (exc) {
      if (!(exc instanceof RecordError) && !(exc && typeof exc.code === 'string' && exc.name === 'TrusteeError')) throw exc;
      ruleError = exc instanceof RecordError ? exc : new RecordError(exc.code, exc.detail || exc.message, reader.seq);
    }
    await Promise.all([...running]);
  } finally {
    if (!opts.pool) pool.close();
  }
  const ballotError = failures.length ? failures.reduce((a, b) => (a.seq <= b.seq ? a : b)) : null;
  if (ballotError && (!ruleError || ruleError.seq === null || ballotError.seq < ruleError.seq)) {
    throw new RecordError(ballotError.code, ballotError.message, ballotError.seq);
  }
  if (ruleError) throw ruleError;
  if (meta.format !== RECORD_FORMAT || meta.keys.length !== 2) {
    throw new RecordError('record_format', `not a ${RECORD_FORMAT} document`);
  }
  const rec = reader.out;
  if (!rec.closed) throw new DecryptionRefused('not-closed');
  return { reader, rec, el, acc, hashes, verified };
}

/** The turnout as the tools show it: counted ballots over the electorate, the share written as ``lang``
 * writes percentages, as the web app's ``percent`` filter and the command-line tool (7,5 % in French, with
 * a narrow no-break space before the sign, as voting.typography; 7,5% in Dutch; 7.5% in English; the page
 * passes its language as ``opts.lang`` of verifyForSeal and verifyForDecryption). */
function turnoutText(total, voters, lang = 'en') {
  if (!voters) return '0';
  const share = ((100 * total) / voters).toLocaleString(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  return `${total} / ${voters} (${share}${lang.startsWith('fr') ? '\u202f' : ''}%)`;
}

/**
 * Before signing the seal: the whole closed board checked (verifyClosedBoard), and what the
 * seal fixes, to compare with the hall: {rec, summary: {total, electorate, voters, turnout, head}}
 * (the close's count and head). onProgress as verifyForDecryption's.
 */
export async function verifyForSeal(open, opts = {}) {
  const { reader, rec } = await verifyClosedBoard(open, opts);
  const electorate = reader.electorate();
  const voters = electorate.A + electorate.B;
  const total = rec.close.counted;
  return { rec, summary: { total, electorate, voters, turnout: turnoutText(total, voters, opts.lang), head: rec.close.head } };
}

/**
 * Reads the record from `open()` (which returns an async iterable of text chunks; it is
 * called a second time when ballots were superseded), checks every rule and every
 * counted ballot, and returns {rec, summary} where summary = {counted, total, electorate,
 * voters, turnout, head, tally}. Throws RecordError (the record is broken) or
 * DecryptionRefused (not closed, no tally, too few ballots, not the announced count).
 * onProgress({phase: 'reading'|'verifying'|'rereading', ballots, verified}).
 */
export async function verifyForDecryption(open, opts = {}) {
  const { reader, rec, el, acc, hashes, verified } = await verifyClosedBoard(open, opts);
  const onProgress = opts.onProgress || (() => {});
  const minBallots = opts.minBallots ?? DEFAULT_MIN_BALLOTS;
  const sealed = Object.keys(rec.seals).length;
  if (sealed < el.threshold) throw new DecryptionRefused('not-sealed', { sealed, needed: el.threshold });
  if (!rec.tally) throw new DecryptionRefused('no-tally');
  // The counted ballots: all of them minus the superseded ones and those of revoked credentials,
  // read again; for a contest closed with its agenda item, minus also the ballots placed after
  // that close (reader.countedFor says which count for which contest).
  const contests = el.definition.contests;
  const countedSets = contests.map((c) => new Set([...reader.countedFor(c.id).values()].map((e) => e.seq)));
  const superseded = new Set([...hashes.keys()].filter((seq) => countedSets.some((set) => !set.has(seq))));
  if (superseded.size) {
    onProgress({ phase: 'rereading', ballots: rec.ballots, verified });
    let seq = 0;
    const byMask = new Map(); // which contests a ballot does not count for -> those ballots
    for await (const event of streamEvents(open(), {})) {
      if (superseded.has(seq)) {
        if (!event || event.type !== 'ballot' || hashes.get(seq) !== event.hash || event.hash !== eventHash(event)) {
          throw new RecordError('event_hash', 'the record changed between two readings', seq);
        }
        const mask = countedSets.map((set) => (set.has(seq) ? '0' : '1')).join('');
        if (!byMask.has(mask)) byMask.set(mask, []);
        byMask.get(mask).push({ seq, ballot: event.data.ballot, category: rec.credentials.get(event.data.ballot.credential) });
      }
      seq += 1;
    }
    let reread = 0;
    const zero = '00'.repeat(33);
    for (const [mask, items] of byMask) {
      const sums = verifyBallotBatch(rec.definition, rec.publicKey, items);
      if (sums.failures.length) throw new RecordError('event_format', 'a superseded ballot could not be read again', null);
      reread += items.length;
      let k = 0;
      contests.forEach((c, i) => {
        for (let j = 0; j < c.choices.length; j += 1, k += 1) {
          if (mask[i] === '0') for (const cat of CATEGORIES) sums.sums[cat][k] = [zero, zero];
        }
      });
      addSums(acc, sums.sums, -1);
    }
    if (reread !== superseded.size) throw new RecordError('event_format', 'a superseded ballot could not be read again', null);
  }
  const diff = firstDifference(el, rec.tally.sums, sumsJson(el, acc));
  if (diff) throw new RecordError('tally_sum', `the encrypted tally is not the sum of the counted ballots (${diff})`, rec.tally.seq);
  const perCategory = { ...rec.tally.counted };
  const total = CATEGORIES.reduce((n, c) => n + perCategory[c], 0);
  const defined = minBallotsOf(el);
  if (defined < minBallots) throw new DecryptionRefused('min-too-low', { defined, min: minBallots });
  const groups = Object.keys(rec.tally.decrypt);
  if (!groups.length) throw new DecryptionRefused('withheld', { min: defined, total });
  // every decrypted total, contest by contest (items closed apart count apart)
  const small = [];
  for (const g of groups) {
    for (const cid of Object.keys(rec.tally.decrypt[g])) {
      const per = rec.tally.contestCounted ? rec.tally.contestCounted[cid] : perCategory;
      const n = g === 'total' ? per.A + per.B : per[g];
      const where = rec.tally.contestCounted ? `${g} (${cid})` : g;
      if (n > 0 && n < minBallots && !small.some((x) => x.startsWith(`${where}:`))) small.push(`${where}: ${n}`);
    }
  }
  if (small.length) {
    const detail = small.join(', ');
    throw new DecryptionRefused('too-few', { detail, min: minBallots },
      `the tally combines too few ballots (${detail}; at least ${minBallots} per published count)`);
  }
  if (opts.expectCount !== undefined && opts.expectCount !== null && opts.expectCount !== total) {
    throw new DecryptionRefused('not-announced', { total, expected: opts.expectCount });
  }
  const electorate = reader.electorate();
  const voters = electorate.A + electorate.B;
  return {
    rec,
    summary: {
      counted: perCategory, total, groups, electorate, voters,
      turnout: turnoutText(total, voters, opts.lang),
      head: rec.closeHead, tally: rec.tally.hash,
    },
  };
}
