// Check-in at the door: scan the member's personal QR code with the camera (BarcodeDetector, where
// the browser has it). The code holds the voting link; only the PUBLIC credential derived here is
// sent to the server, so the door never learns the member's secret. Typing the number always works.
import { credentialPublic, isValidCredential, normalizeCredential } from '../ballot/index.mjs';

const box = document.getElementById('scanner');
const form = document.getElementById('checkin-form');
const input = form && form.querySelector('input[name="number"]');

function codeFrom(text) {
  const hash = text.includes('#') ? text.split('#')[1] : text;
  const cred = decodeURIComponent(hash).split(':')[0];
  if (isValidCredential(cred)) return credentialPublic(normalizeCredential(cred));
  return /^\d+$/.test(text.trim()) ? text.trim() : null;
}

if (box && form && input) {
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
        const code = found.length ? codeFrom(found[0].rawValue) : null;
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
