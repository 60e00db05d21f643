// Check-in at the door. The convocation's QR code holds the member's voting link
// (…/voting/<slug>/vote#<credential>:<fingerprint>). It is read by the camera (BarcodeDetector, where
// the browser has it) or by a USB scanner, which "types" the link into the field and presses Enter;
// staff may also type the member number or the credential printed under the code. Before the form
// leaves, a credential (in a link, or typed) is replaced by its PUBLIC part, derived here, so that the
// door does not send the member's secret; anything else goes as typed, and the server says what it is
// (assemblies.services.member_for_code reads every form, for a browser without this script too).
import { credentialPublic, isValidCredential, normalizeCredential } from '../ballot/index.mjs';

const box = document.getElementById('scanner');
const form = document.getElementById('checkin-form');
const input = form && form.querySelector('input[name="number"]');

function swapCase(text) {
  return [...text].map((ch) => (ch === ch.toUpperCase() ? ch.toLowerCase() : ch.toUpperCase())).join('');
}

// The public credential a link, its part after '#', or a typed credential holds (tried as read, then
// as if typed with Caps Lock on); null for anything else (a member number, a garbled code).
function publicFrom(text) {
  const compact = text.replace(/\s+/g, '');
  const hash = compact.includes('#') ? compact.slice(compact.lastIndexOf('#') + 1) : compact;
  let payload;
  try {
    payload = decodeURIComponent(hash);
  } catch {
    return null;
  }
  const cred = payload.split(':')[0];
  for (const reading of [cred, swapCase(cred)]) {
    if (isValidCredential(reading)) return credentialPublic(normalizeCredential(reading));
  }
  return null;
}

if (box && form && input) {
  form.addEventListener('submit', () => {
    const pub = publicFrom(input.value);
    if (pub) input.value = pub;
  });
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
        const code = raw ? publicFrom(raw) || (/^\d+$/.test(raw) ? raw : null) : null;
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
