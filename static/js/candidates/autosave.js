// The candidacy form is saved automatically (htmx, #autosave-status) and by its buttons. A button pressed
// while an autosave is on its way would post the version that autosave is about to replace, and the server
// would refuse it as changed elsewhere. So, once a button is pressed:
// - no autosave starts any more: the form being sent carries every field, the last typed too;
// - the one on its way is waited for (its answer brings the new version), then the same button is sent;
//   if it saved nothing (refused, changed elsewhere), the form carries the version its text was based on,
//   and the server judges it as it would have;
// - the form is sent once, however often the buttons are pressed.
// When another window (or device) saved the application since this page was opened, the server refuses the
// autosave (409) and says so in words, with a link to the newest version and this page's unsaved text to copy;
// from then on this page sends no autosave: the version it holds stays the one its text was based on, so a
// button pressed here is refused too (never a silent overwrite of the other window's work).
// Without JavaScript there is no autosave and the buttons post as they are.
(() => {
  const form = document.querySelector('form.application');
  const status = document.getElementById('autosave-status');
  if (!form || !status) return;
  const WAIT_MS = 15000; // an autosave that never answers does not hold the form back for good

  let sending = false;
  let stopped = false; // the application was saved elsewhere: no autosave any more
  let resuming = false;
  let onItsWay = null; // settled when the autosave on its way has answered
  let answered = null;
  let base = null; // the version the form held when that autosave left

  const versionInput = () => form.querySelector('[name="version"]');

  status.addEventListener('htmx:confirm', (event) => {
    if (sending || stopped) event.preventDefault();
  });
  status.addEventListener('htmx:beforeSend', () => {
    base = versionInput() ? versionInput().value : null;
    onItsWay = new Promise((resolve) => { answered = resolve; });
  });
  status.addEventListener('htmx:afterRequest', (event) => {
    const xhr = event.detail.xhr;
    const saved = xhr && xhr.status === 200;
    if (xhr && xhr.status === 409 && (xhr.responseText || '').includes('data-autosave-stopped')) stopped = true;
    if (sending && !saved && base !== null && versionInput()) versionInput().value = base;
    if (answered) answered();
    onItsWay = answered = null;
  });

  form.addEventListener('submit', (event) => {
    if (resuming) return;
    if (sending) {
      event.preventDefault();
      return;
    }
    sending = true;
    if (!onItsWay) return;
    event.preventDefault();
    const button = event.submitter;
    const timeout = new Promise((resolve) => setTimeout(resolve, WAIT_MS));
    Promise.race([onItsWay, timeout]).then(() => {
      resuming = true; // the submit event this dispatches, and only that one, goes through
      try {
        if (form.requestSubmit) form.requestSubmit(button || undefined);
        else if (button) button.click();
        else form.submit();
      } finally {
        resuming = false;
      }
    });
  });

  // A page shown again from the browser's history (Back after sending) saves and sends as a new one.
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) sending = false;
  });
})();
