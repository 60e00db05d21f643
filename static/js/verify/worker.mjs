// The in-browser verifier, run in a Web Worker so the page stays responsive.
// Given the URL of a record (/voting/<slug>/record.json) it re-checks, in this browser:
// the hash chain and every event rule (static/js/scrutineer/record.mjs: trustees, key,
// credentials, supersession, close counts, the encrypted tally as the sum of the counted
// ballots, every partial decryption's proof), every ballot's signature and proofs
// (static/js/ballot), and that the published counts are what the decryptions give.
// Messages to the page: {progress: [done, total]}, {ok: summary} or {fail: {code, detail, seq}}.
import { readRecord, RecordError } from '../scrutineer/record.mjs';
import { verifyBallot, InvalidBallot } from '../ballot/index.mjs';
import { G, IDENTITY, ORDER, add, elementFromHex, eq, mod, mul, sub } from '../ballot/group.mjs';

function lagrangeAtZero(indices) {
  const out = {};
  for (const i of indices) {
    let num = 1n;
    let den = 1n;
    for (const j of indices) {
      if (j !== i) {
        num = mod(num * BigInt(j));
        den = mod(den * BigInt(j - i));
      }
    }
    out[i] = mod(num * modInverse(den));
  }
  return out;
}

function modInverse(a) {
  let [r0, r1, s0, s1] = [mod(a), ORDER, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  return mod(s0);
}

function smallLog(point, limit) {
  let acc = IDENTITY;
  for (let k = 0; k <= limit; k += 1) {
    if (eq(acc, point)) return k;
    acc = add(acc, G);
  }
  return null;
}

export function checkCounts(rec, result) {
  const el = rec.election;
  const used = result.trustees;
  // The tally names the groups the minimum count lets decrypt (A and B, or only "total", or none).
  const groups = rec.tally.decrypt || {};
  // With every count withheld nothing is decrypted, and the result names no scrutineer (as in Python).
  const needed = Object.keys(groups).length ? el.threshold : 0;
  if (!Array.isArray(used) || used.length < needed || (!needed && used.length)) {
    throw new RecordError('result_count', needed ? 'the result names fewer scrutineers than the threshold'
      : 'every count is withheld: the result names no scrutineer');
  }
  if (!needed) return;
  const indices = used.map((t) => el.index(t));
  const lam = lagrangeAtZero(indices);
  // With items closed apart, each contest has its own counted ballots (the tally's contest_counted).
  for (const [group, perContest] of Object.entries(groups)) {
    for (const c of el.definition.contests) {
      if (!(c.id in perContest)) continue;
      const cc = rec.tally.contestCounted ? rec.tally.contestCounted[c.id] : rec.tally.counted;
      const limit = group === 'total' ? cc.A + cc.B : cc[group];
      for (const ch of c.choices) {
        const beta = elementFromHex(perContest[c.id][ch].beta, { allowIdentity: true });
        let combined = IDENTITY;
        for (const t of used) {
          const d = elementFromHex(rec.decryptions[t].factors[group][c.id][ch].factor, { allowIdentity: true });
          combined = add(combined, mul(d, lam[el.index(t)]));
        }
        const count = smallLog(sub(beta, combined), limit);
        const published = result.counts?.[c.id]?.[ch]?.[group];
        if (count === null || count !== published) {
          throw new RecordError('result_count', `${group}/${c.id}/${ch}: the published count is not what the decryptions give`);
        }
      }
    }
  }
}

self.onmessage = async (event) => {
  try {
    const response = await fetch(event.data.url, { credentials: 'same-origin' });
    const doc = await response.json();
    const rec = readRecord(doc);
    const ballots = doc.events.filter((e) => e.type === 'ballot');
    const total = ballots.length;
    self.postMessage({ progress: [0, total] });
    for (let i = 0; i < total; i += 1) {
      try {
        verifyBallot(rec.definition, rec.publicKey, ballots[i].data.ballot);
      } catch (exc) {
        if (exc instanceof InvalidBallot) throw new RecordError(exc.code, exc.detail, ballots[i].seq);
        throw exc;
      }
      if (i % 5 === 4 || i === total - 1) self.postMessage({ progress: [i + 1, total] });
    }
    const resultEvent = doc.events.find((e) => e.type === 'result');
    if (resultEvent) checkCounts(rec, resultEvent.data);
    self.postMessage({
      ok: {
        events: doc.events.length, ballots: total, counted: rec.tally ? rec.tally.counted.A + rec.tally.counted.B : null,
        result: Boolean(resultEvent), sums: rec.sumsChecked,
      },
    });
  } catch (exc) {
    self.postMessage({ fail: { code: exc.code || 'error', detail: exc.detail || exc.message || String(exc), seq: exc.seq ?? null } });
  }
};
