// A file larger than its field's limit is refused in the browser, before anything is sent: said
// beside the field (the sentence the server would say, from data-too-large), the choice cleared, the
// rest of the form as typed. Without JavaScript the server refuses it (beside the field, or a 413 page
// that says how to go back). Any <input type="file" data-max-bytes> on any page; and the 413 page's
// "Back to the form" button (data-history-back) goes one step back, where the form kept the typing.
(() => {
  const errorId = (input) => `${input.id || input.name}-size-error`;

  function refuse(input, message) {
    const id = errorId(input);
    let said = document.getElementById(id);
    if (!message) {
      if (!said) return;
      said.remove();
      const rest = (input.getAttribute('aria-describedby') || '').split(' ').filter((x) => x && x !== id);
      if (rest.length) input.setAttribute('aria-describedby', rest.join(' '));
      else input.removeAttribute('aria-describedby');
      if (!input.closest('.has-error')) input.removeAttribute('aria-invalid');
      return;
    }
    if (!said) {
      said = document.createElement('p');
      said.className = 'error';
      said.id = id;
      said.setAttribute('role', 'alert');
      input.insertAdjacentElement('afterend', said);
      input.setAttribute('aria-describedby', `${input.getAttribute('aria-describedby') || ''} ${id}`.trim());
    }
    said.textContent = message;
    input.setAttribute('aria-invalid', 'true');
  }

  function tooLarge(input) {
    const limit = Number(input.dataset.maxBytes);
    return Array.from(input.files || []).some((file) => file.size > limit);
  }

  function check(input) {
    if (tooLarge(input)) {
      refuse(input, input.dataset.tooLarge);
      input.value = '';
      return false;
    }
    refuse(input, '');
    return true;
  }

  document.addEventListener('change', (event) => {
    const input = event.target;
    if (input instanceof HTMLInputElement && input.type === 'file' && input.dataset.maxBytes) check(input);
  });

  document.addEventListener('submit', (event) => {
    for (const input of event.target.querySelectorAll('input[type="file"][data-max-bytes]')) {
      // Cleared after a refusal and not chosen again: the refusal stays, nothing is sent.
      const refusedBefore = Boolean(document.getElementById(errorId(input))) && !input.files.length;
      if (!check(input) || refusedBefore) {
        refuse(input, input.dataset.tooLarge);
        event.preventDefault();
        input.focus();
        return;
      }
    }
  });

  // Back from the "too large" page, the browser puts the typing back in the form: a form folded in a
  // <details> (the preparation page's) is opened, so that the person sees it at once.
  // A file the browser chose again itself (the same one, too large) is refused as if just chosen.
  window.addEventListener('pageshow', () => {
    for (const input of document.querySelectorAll('input[type="file"][data-max-bytes]')) {
      if (input.files && input.files.length) check(input);
    }
    for (const input of document.querySelectorAll('details:not([open]) input[data-max-bytes]')) {
      const form = input.form;
      const typed = form && Array.from(form.elements).some((el) => (el.type === 'text' || el.tagName === 'TEXTAREA')
        && el.value !== el.defaultValue);
      if (typed) {
        const details = input.closest('details');
        details.open = true;
        details.scrollIntoView({ block: 'start' });
      }
    }
  });

  for (const button of document.querySelectorAll('[data-history-back]')) {
    if (window.history.length < 2) continue;
    button.hidden = false;
    button.addEventListener('click', () => window.history.back());
  }
})();
