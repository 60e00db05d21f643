// The join form: only the fields of the kind of member chosen, and category B for a company or an
// association. The server checks both anyway; without JavaScript every field shows.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.application");
  if (!form) return;
  const fields = { natural: ["first_name", "last_name", "national_number"], legal: ["legal_name", "enterprise_number"] };
  const categoryA = form.querySelector('input[name="category"][value="A"]');
  const categoryB = form.querySelector('input[name="category"][value="B"]');
  const update = () => {
    const kind = form.querySelector('input[name="kind"]:checked')?.value;
    for (const [fieldKind, ids] of Object.entries(fields)) {
      for (const id of ids) {
        const box = document.getElementById(id)?.closest(".field");
        if (box) box.hidden = kind !== undefined && kind !== fieldKind;
      }
    }
    if (categoryA && categoryB) {
      categoryA.disabled = kind === "legal";
      if (kind === "legal") categoryB.checked = true;
    }
  };
  form.addEventListener("change", (event) => { if (event.target.name === "kind") update(); });
  update();
});
