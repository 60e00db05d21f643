// Check-in at the door. The convocation's QR code holds the member's voting link
// (…/voting/<slug>/vote#<credential>:<fingerprint>). It is read by the camera (BarcodeDetector, where
// the browser has it) or by a USB scanner, which "types" the link into the field and presses Enter;
// staff may also type the member number or the credential printed under the code. Before the form
// leaves, a credential (in a link, or typed) is replaced by its PUBLIC part, derived here, so that the
// door does not send the member's secret; a link keeps its address and the election's fingerprint, by
// which the server names a code of another assembly; anything else goes as typed, and the server says
// what it is (assemblies.services.member_for_code reads every form). The page's button stays disabled until
// this script has loaded, so that nothing typed or scanned before leaves whole.
import { credentialPublic, isValidCredential, normalizeCredential } from '../ballot/index.mjs';

const box = document.getElementById('scanner');
const form = document.getElementById('checkin-form');
const input = form && form.querySelector('input[name="number"]');

function swapCase(text) {
  return [...text].map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join('');
}

// What a link, its part after '#', or a typed credential becomes with its credential made public (tried
// as read, then as if typed with Caps Lock on); null for anything else (a member number, a garbled code).
function withPublic(text) {
  const compact = text.replace(/\s+/g, '');
  const at = compact.lastIndexOf('#');
  let payload;
  try {
    payload = decodeURIComponent(compact.slice(at + 1));
  } catch {
    return null;
  }
  const [cred, ...rest] = payload.split(':');
  for (const reading of [cred, swapCase(cred)]) {
    if (isValidCredential(reading)) {
      return compact.slice(0, at + 1) + [credentialPublic(normalizeCredential(reading)), ...rest].join(':');
    }
  }
  return null;
}

if (box && form && input) {
  form.addEventListener('submit', () => {
    const sent = withPublic(input.value);
    if (sent) input.value = sent;
  });
  // From here on a credential leaves as its public part: the form may be sent (the browser tests wait for it).
  const send = form.querySelector('button[type="submit"]');
  send.disabled = false;
  send.removeAttribute('aria-describedby');
  document.getElementById('checkin-waiting')?.remove();
  form.dataset.ready = 'true';
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices) {
    const p = document.createElement('p');
    p.className = 'hint';
    p.textContent = box.dataset.missing;
    box.prepend(p);
  } else {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = box.dataset.start;
    box.prepend(button);
    const video = document.getElementById('scanner-video');
    button.addEventListener('click', async () => {
      const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      const tick = async () => {
        const found = await detector.detect(video).catch(() => []);
        const raw = found.length ? found[0].rawValue.trim() : '';
        const code = raw ? withPublic(raw) || (/^\d+$/.test(raw) ? raw : null) : null;
        if (code) {
          stream.getTracks().forEach((t) => t.stop());
          input.value = code;
          form.submit();
          return;
        }
        requestAnimationFrame(tick);
      };
      tick();
    });
  }
}
