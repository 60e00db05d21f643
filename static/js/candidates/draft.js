// The candidacy form keeps a copy of what is typed in this browser (localStorage), so that a session
// that expires loses nothing and the server never stores anything for a signed-out visitor.
// - While a member types, the copy follows the form (never the photo, never the CSRF token).
// - On the member's form as the server last saved it: the same text (or a newer version after a save
//   this page sent) clears the copy; a different text based on the same saved version is put back
//   with a notice; one based on an older version (the application was saved since, elsewhere) is
//   offered with a button, never forced.
// - A copy belongs to the account that typed it: another account signed in on this browser never sees it.
(() => {
  const form = document.querySelector('form[data-keep-draft]');
  if (!form) return;
  let store;
  try {
    store = window.localStorage;
    if (!store) return;
  } catch (e) {
    return; // storage refused (private mode, policy): the page and the server still keep the text
  }
  const key = `unevoix.candidacy.${form.dataset.keepDraft}`;
  const owner = form.dataset.draftOwner || '';
  const fromServer = form.dataset.draftFromServer === 'yes';
  const MONTH = 31 * 24 * 3600 * 1000;
  const SKIP = new Set(['csrf_token', 'version', 'photo']);

  const version = () => {
    const input = form.querySelector('[name="version"]');
    return input ? input.value : '';
  };

  function read() {
    const fields = {};
    for (const el of form.elements) {
      if (!el.name || SKIP.has(el.name) || el.type === 'file' || el.type === 'submit') continue;
      if (el.type === 'checkbox') {
        if (el.name === 'skills') {
          fields.skills = fields.skills || [];
          if (el.checked) fields.skills.push(el.value);
        } else {
          fields[el.name] = el.checked;
        }
      } else if (el.type === 'radio') {
        if (el.checked) fields[el.name] = el.value;
        else if (!(el.name in fields)) fields[el.name] = '';
      } else {
        fields[el.name] = el.value;
      }
    }
    return fields;
  }

  function fill(fields) {
    for (const el of form.elements) {
      if (!el.name || !(el.name in fields) || SKIP.has(el.name) || el.type === 'file') continue;
      const value = fields[el.name];
      if (el.type === 'checkbox') el.checked = Array.isArray(value) ? value.includes(el.value) : Boolean(value);
      else if (el.type === 'radio') el.checked = el.value === value;
      else el.value = value;
    }
  }

  // Compared as the server keeps them: line breaks as LF, no surrounding spaces.
  const plain = (fields) => {
    const out = {};
    for (const key of Object.keys(fields).sort()) {
      const value = fields[key];
      out[key] = typeof value === 'string' ? value.replace(/\r\n?/g, '\n').trim() : value;
    }
    return JSON.stringify(out);
  };
  const same = (a, b) => plain(a) === plain(b);

  function load() {
    try {
      const kept = JSON.parse(store.getItem(key));
      if (!kept || typeof kept.fields !== 'object' || Date.now() - (kept.at || 0) > MONTH) return null;
      return kept;
    } catch (e) {
      return null;
    }
  }

  function keep(sent = false) {
    const kept = load();
    const who = owner || (kept && kept.owner) || '';
    if (!who) return; // text no signed-in member started here is not kept
    try {
      store.setItem(key, JSON.stringify({ owner: who, base: version(), fields: read(), at: Date.now(), sent }));
    } catch (e) { /* storage full: the page still holds the text */ }
  }

  function show(id) {
    const box = document.getElementById(id);
    if (box) box.hidden = false;
    return box;
  }

  const kept = load();
  if (owner && kept && kept.owner === owner && fromServer) {
    if (same(kept.fields, read()) || (kept.sent && kept.base !== version())) {
      store.removeItem(key); // the server holds it (the save that was sent went through)
    } else if (kept.base === version()) {
      fill(kept.fields);
      show('draft-restored');
    } else {
      const offer = show('draft-offer');
      const button = offer && offer.querySelector('button');
      if (button) {
        button.addEventListener('click', () => {
          fill(kept.fields);
          offer.hidden = true;
          show('draft-restored');
          keep();
        });
      }
    }
  } else if (!fromServer && (!kept || !owner || kept.owner === owner)) {
    keep(); // a page given back after a refused or signed-out post: what it shows is the latest text
  }

  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(keep, 300);
  };
  form.addEventListener('input', later);
  form.addEventListener('change', later);
  form.addEventListener('submit', () => {
    clearTimeout(timer);
    keep(true);
  });
})();
