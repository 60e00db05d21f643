// Public API of the browser ballot (ES modules; no inline script, no CDN,
// no bundler).  Load it from a module file of the page:
//   import { encryptBallot, ballotTracker } from '/static/js/ballot/index.mjs';
// Format: docs/election-record.md (unevoix/v1); reference: voting/crypto/.
//
// encryptBallot(election, publicKey, credentialString, selections, opts?) -> ballot
//   election:   the election definition object exactly as published (the
//               "election" event's data); its canonical SHA-256 is the fingerprint.
//   publicKey:  the election key, 66 lowercase hex ("election_key" event).
//   credentialString: the voter's credential, e.g. "XXXXX-XXXXX-XXXXX-XXXXX"
//               (dashes and whitespace ignored; check digits verified).
//   selections: { contestId: [choiceId, ...] } or a Map; an omitted contest is
//               blank (allowed only when its min is 0).
//   opts:       { fingerprint } to insist on the expected fingerprint;
//               randomness (default: crypto.getRandomValues): { rng: () => bigint }
//               or { nonces: [...] } or { seed } (the last two reproduce the
//               Python test vectors; never use them for real ballots).
//   Throws InvalidBallot with code 'selection' (or 'wrong_election') when the
//   ballot cannot be made; CredentialError for a malformed credential.
// ballotTracker(ballot) -> 64 hex: the tracker the board and the e-mail show.
// verifyBallot(election, publicKey, ballot, credentialPublic?) -> undefined,
//   or throws InvalidBallot with Python's codes (ballot_format, wrong_election,
//   wrong_credential, ballot_signature, invalid_element, choice_proof, contest_proof).
// electionFingerprint(election) -> 64 hex.
// generateCredential(), normalizeCredential(s), isValidCredential(s),
// credentialPublic(s) -> 64 hex public credential.
// canonicalJson(v), canonicalBytes(v), canonicalHash(v), sha256Hex(x).
// proveDlog/verifyDlog/proveDlogEq/verifyDlogEq: Schnorr and Chaum-Pedersen
//   proofs for a scrutineer acting from the browser (statements as in Python).
export {
  encryptBallot,
  verifyBallot,
  ballotTracker,
  electionFingerprint,
  unsignedBallotHash,
  checkBallotShape,
  verifyBallotSignature,
  verifyBallotProofs,
  InvalidBallot,
  VERSION,
} from './ballot.mjs';
export {
  generateCredential,
  normalizeCredential,
  isValidCredential,
  credentialPublic,
  CredentialError,
} from './credential.mjs';
export { canonicalJson, canonicalBytes, canonicalHash, sha256Hex } from './encoding.mjs';
export {
  deterministicRng,
  nonceRng,
  proveDlog,
  verifyDlog,
  proveDlogEq,
  verifyDlogEq,
} from './proofs.mjs';
