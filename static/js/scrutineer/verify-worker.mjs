// A Web Worker of the browser scrutineer: verifies batches of ballots (shape,
// signature, every proof) and returns their ciphertext sums; see verifier.mjs.
import { electionFingerprint } from '../ballot/ballot.mjs';
import { verifyBallotBatch } from './verifier.mjs';

let ctx = null;

self.onmessage = (ev) => {
  const msg = ev.data;
  if (msg.type === 'init') {
    ctx = { definition: msg.definition, publicKey: msg.publicKey, fp: electionFingerprint(msg.definition) };
    return;
  }
  try {
    const result = verifyBallotBatch(ctx.definition, ctx.publicKey, msg.items, ctx.fp);
    self.postMessage({ id: msg.id, result });
  } catch (exc) {
    self.postMessage({ id: msg.id, error: String(exc && exc.message ? exc.message : exc) });
  }
};
