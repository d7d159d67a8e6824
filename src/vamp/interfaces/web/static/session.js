// The signed-in session: who the token is (GET /api/v1/tokens/self: its name, role and scope) and which
// namespace the page works in, chosen in the header from those the token may see: the server's default
// namespace when the token may read it, and every environment of the organisations it reaches
// (/api/v1/organisations and their environments). The choice is kept in the tab (api.setNamespace).
// A role that cannot write marks <body> read-only, and style.css then hides every control that carries
// `data-write`, on every view, including ones added later.

import * as api from "./api.js";
import { element, make } from "./dom.js";

const WRITERS = new Set(["admin", "owner", "operator"]);
const DEFAULT = ""; // the chooser's value for the server's default namespace

let known = null; // { secret, self, choices } of the token signed in

// Whether the signed-in token may change things (false until the session has started).
export function mayWrite() {
  return known !== null && WRITERS.has(known.self.role);
}

// Forgets the session (on signing out): the header's chooser goes, and so does the role on <body>.
export function forget() {
  known = null;
  document.body.removeAttribute("data-role");
  document.body.classList.remove("read-only");
  const header = element("session");
  header.replaceChildren();
  header.hidden = true;
}

// Starts the session of the signed-in token once (again when the token changed): reads the token and
// the namespaces it may see, keeps the chosen one (or chooses the first) and shows the chooser, whose
// change calls `onChange()`. Throws an ApiError when the token is refused or sees no namespace at all.
export async function start({ signal, onChange }) {
  const secret = api.token();
  if (known?.secret === secret) return;
  const { body: self } = await api.get("tokens/self", { server: true, signal });
  if (self.role === "agent") {
    api.setNamespace(null);
    throw new api.ApiError(
      403,
      `The token ${self.name} is a gateway agent's: it reads routing plans only. ` +
        "Sign in with a viewer, operator, owner or admin token.",
    );
  }
  const choices = await namespacesOf(self, signal);
  const stored = api.namespace() ?? DEFAULT;
  const chosen = choices.find((choice) => choice.value === stored) ?? choices[0];
  api.setNamespace(chosen?.value || null);
  if (!chosen) {
    throw new api.ApiError(
      403,
      `The token ${self.name} (${self.role} of ${self.scope}) may see no namespace: ` +
        "sign in with a token whose scope is the server, an organisation or one of its environments.",
    );
  }
  known = { secret, self, choices };
  document.body.dataset.role = self.role;
  document.body.classList.toggle("read-only", !WRITERS.has(self.role));
  showChooser(onChange);
}

// The namespaces `self` may read: [{value, text}], the server's default first ("" as its value).
async function namespacesOf(self, signal) {
  const choices = [];
  if (await readsDefault(self, signal)) {
    choices.push({ value: DEFAULT, text: "the server's default" });
  }
  const { body: organisations } = await api.get("organisations", { server: true, signal });
  const listed = await Promise.all(
    organisations.map(({ name }) =>
      api.get(`organisations/${encodeURIComponent(name)}/environments`, { server: true, signal }),
    ),
  );
  for (const { body: environments } of listed) {
    for (const { namespace } of environments) choices.push({ value: namespace, text: namespace });
  }
  return choices;
}

// Whether `self` may read the server's default namespace: a server-wide token may; another finds out by
// asking (a 403 or 404 there means it may not).
async function readsDefault(self, signal) {
  if (self.scope === "server") return true;
  try {
    await api.get("deployments?per_page=1", { server: true, signal });
    return true;
  } catch (error) {
    if (error instanceof api.ApiError && (error.status === 403 || error.status === 404)) return false;
    throw error;
  }
}

function showChooser(onChange) {
  const header = element("session");
  const { self, choices } = known;
  const select = make("select", undefined, { id: "namespace" });
  for (const choice of choices) select.append(make("option", choice.text, { value: choice.value }));
  select.value = api.namespace() ?? DEFAULT;
  select.addEventListener("change", () => {
    api.setNamespace(select.value || null);
    onChange();
  });
  const who = make("span", `${self.name} (${self.role} of ${self.scope})`, { class: "who" });
  header.replaceChildren(make("label", "Namespace", { for: "namespace" }), select, who);
  header.hidden = false;
}
