// Asking before acting: a button that, when clicked, first says why it cannot act, else asks a question
// in place with a confirming button and Cancel, and acts only when confirmed; and the line under a
// control that shows why the server (or the page) refused it. The deployment pages and the artifact
// page use them; the part and its buttons carry `data-write`, so viewers do not see them.

import { make } from "./dom.js";

// The line under a control that shows why the server (or the page) refused it.
export function outcomeLine() {
  return make("p", undefined, { role: "alert", class: "outcome", hidden: "" });
}

// A button (`label`, red when `danger`) that first says why it cannot act (`check()` answers a reason,
// or null), else asks `question` with a `confirm` and a Cancel button, and acts only on `confirm`; a
// refusal of `act()` is shown under it, after `refused` ("Not done (403): …").
export function askFirst({
  label,
  question,
  confirm,
  check = () => null,
  act,
  refused = "Not done",
  danger = false,
}) {
  const part = make("div", undefined, { class: "ask", "data-write": "" });
  const writes = { type: "button", "data-write": "" };
  const start = part.appendChild(make("button", label, { ...writes, class: danger ? "danger" : "" }));
  const asking = make("div", undefined, { role: "group", "aria-label": question, hidden: "" });
  part.append(asking);
  asking.append(make("p", question));
  const yes = asking.appendChild(make("button", confirm, { ...writes, class: "danger" }));
  const no = asking.appendChild(make("button", "Cancel", { type: "button", class: "secondary" }));
  const outcome = part.appendChild(outcomeLine());
  start.addEventListener("click", () => {
    const reason = check();
    outcome.textContent = reason ?? "";
    outcome.hidden = reason === null;
    if (reason !== null) return;
    asking.hidden = false;
    start.hidden = true;
    no.focus();
  });
  no.addEventListener("click", () => {
    asking.hidden = true;
    start.hidden = false;
    start.focus();
  });
  yes.addEventListener("click", async () => {
    yes.disabled = no.disabled = true;
    outcome.hidden = true;
    try {
      await act();
    } catch (error) {
      outcome.textContent = `${refused} (${error.status ?? "error"}): ${error.message}`;
      outcome.hidden = false;
    } finally {
      yes.disabled = no.disabled = false;
    }
  });
  return part;
}
