// The join form: only the fields of the kind of member chosen, and category B for a company or an
// association. Back to a person, the category the person had chosen comes back (or none: they choose
// again), never the B the company's choice made. The server checks both anyway; without JavaScript
// every field shows.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.application");
  if (!form) return;
  const fields = { natural: ["first_name", "last_name", "national_number"], legal: ["legal_name", "enterprise_number"] };
  const categoryA = form.querySelector('input[name="category"][value="A"]');
  const categoryB = form.querySelector('input[name="category"][value="B"]');
  const kindChosen = () => form.querySelector('input[name="kind"]:checked')?.value;
  let legal = kindChosen() === "legal";
  let personChoice = legal ? null : form.querySelector('input[name="category"]:checked')?.value ?? null;
  const update = () => {
    const kind = kindChosen();
    for (const [fieldKind, ids] of Object.entries(fields)) {
      for (const id of ids) {
        const box = document.getElementById(id)?.closest(".field");
        if (box) box.hidden = kind !== undefined && kind !== fieldKind;
      }
    }
    if (!categoryA || !categoryB) return;
    const nowLegal = kind === "legal";
    if (nowLegal) {
      categoryB.checked = true;
    } else if (legal) {
      categoryA.checked = personChoice === "A";
      categoryB.checked = personChoice === "B";
    }
    categoryA.disabled = nowLegal;
    legal = nowLegal;
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "kind") update();
    else if (event.target.name === "category" && !legal) personChoice = event.target.value;
  });
  update();
});
