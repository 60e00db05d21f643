// "Verify this election in my browser": starts the verifier worker and says its verdict in words.
const box = document.getElementById('verify-box');
if (box) {
  const button = box.querySelector('button');
  const progress = box.querySelector('progress');
  const status = box.querySelector('[role=status]');
  const say = (key, values = {}) => {
    let text = box.dataset[key] || '';
    for (const [k, v] of Object.entries(values)) text = text.replace(`{${k}}`, String(v));
    return text;
  };
  button.hidden = false;
  button.addEventListener('click', () => {
    button.disabled = true;
    progress.hidden = false;
    progress.value = 0;
    status.textContent = say('msgRunning');
    const worker = new Worker(box.dataset.worker, { type: 'module' });
    worker.onmessage = ({ data }) => {
      if (data.progress) {
        const [done, total] = data.progress;
        progress.max = Math.max(total, 1);
        progress.value = done;
        status.textContent = say('msgProgress', { done, total });
      } else if (data.ok) {
        progress.hidden = true;
        status.textContent = say(data.ok.result ? 'msgOk' : 'msgOkPartial', { ballots: data.ok.ballots, events: data.ok.events });
        box.classList.add('verified');
        worker.terminate();
        button.disabled = false;
      } else if (data.fail) {
        progress.hidden = true;
        status.textContent = say('msgFail', { code: data.fail.code, detail: data.fail.detail, seq: data.fail.seq ?? '-' });
        box.classList.add('failed');
        worker.terminate();
        button.disabled = false;
      }
    };
    worker.onerror = () => { status.textContent = say('msgFail', { code: 'error', detail: '', seq: '-' }); button.disabled = false; };
    worker.postMessage({ url: box.dataset.record });
  });
}
