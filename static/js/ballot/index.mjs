// Public API of the browser ballot (ES module; no inline script, no CDN).
// The page imports this file with <script type="module" src=".../index.mjs">
// or from its own module.  Format: docs/election-record.md (unevoix/v1).
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
export { deterministicRng, nonceRng } from './proofs.mjs';
