// The releases view: the list (#/releases: name, gateway, strategy, phase, current step and weights) and
// one release's page (#/releases/NAME: strategy, step, weights, the timeline of its decisions newest
// first, and Pause / Resume / Promote / Abort where they apply). Both stay live without a reload: the list
// is read again every POLL_MS; a release's page is read again whenever the event stream says its status
// was written (tag release-statuses:NAME) and every POLL_MS in case the stream missed it, until the
// release is over. Everything stops when the view's signal aborts (the user left the view).

import * as api from "./api.js";
import { make } from "./dom.js";
import { pause } from "./pause.js";
import { isFinal, stepText, timeline, weightBars, weightsLine } from "./release_timeline.js";

const PER_PAGE = 100;
const POLL_MS = 2000;
const RETRY_MS = 2000;

export function releaseHref(name) {
  return `#/releases/${encodeURIComponent(name)}`;
}

// The actions a user may ask for, the phases where each applies, and what Promote and Abort confirm.
const ACTIONS = [
  { label: "Pause", requested: "paused", phases: ["Pending", "Progressing", "Waiting"] },
  { label: "Resume", requested: "running", phases: ["Paused"] },
  {
    label: "Promote",
    requested: "promoted",
    phases: ["Progressing", "Waiting", "Paused"],
    confirm: (release) => `Promote ${release.name}? All traffic goes to ${release.to} at once.`,
  },
  {
    label: "Abort",
    requested: "aborted",
    phases: ["Pending", "Progressing", "Waiting", "Paused"],
    confirm: (release) => `Abort ${release.name}? All traffic goes back to ${release.from}.`,
  },
];

function phaseOf(release) {
  return release.status?.phase ?? "Pending";
}

function phaseBadge(release) {
  const phase = phaseOf(release);
  return make("span", phase, { class: `phase phase-${phase.toLowerCase()}` });
}

// Calls `task` every `ms`, the first time `ms` from now, until `signal` aborts or `task` answers false.
function every(ms, task, signal) {
  let timer = null;
  const run = async () => {
    if (signal.aborted) return;
    const again = await task();
    if (again !== false && !signal.aborted) timer = setTimeout(run, ms);
  };
  signal.addEventListener("abort", () => clearTimeout(timer));
  timer = setTimeout(run, ms);
}

// Calls `onChange()` whenever the stream has an event with `tag`, reconnecting after a break, until
// `signal` aborts.
async function follow(tag, onChange, signal) {
  while (!signal.aborted) {
    try {
      await api.stream(`events/stream?tag=${encodeURIComponent(tag)}`, onChange, signal);
    } catch (error) {
      if (signal.aborted) return;
    }
    await pause(RETRY_MS, signal);
  }
}

function listTable(releases) {
  const table = make("table");
  table.append(make("caption", "Releases", { class: "visually-hidden" }));
  const head = make("tr");
  for (const title of ["Release", "Gateway", "Strategy", "Phase", "Step", "Weights"]) {
    head.append(make("th", title, { scope: "col" }));
  }
  table.appendChild(make("thead")).append(head);
  const body = table.appendChild(make("tbody"));
  for (const release of releases) {
    const row = body.appendChild(make("tr"));
    const name = row.appendChild(make("th", undefined, { scope: "row" }));
    name.append(make("a", release.name, { href: releaseHref(release.name) }));
    row.append(make("td", release.gateway ?? ""));
    row.append(make("td", release.strategy ?? "canary"));
    row.appendChild(make("td")).append(phaseBadge(release));
    row.append(make("td", stepText(release)));
    row.append(make("td", weightsLine(release, release.status?.weights)));
  }
  return table;
}

async function showList(view, { status, signal, refused }) {
  status("Loading releases…");
  let shown = null;
  const note = make("p", undefined, { class: "hint", role: "status" });
  const read = async () => {
    try {
      const { body } = await api.get(`releases?per_page=${PER_PAGE}`, { signal });
      note.textContent = "";
      const seen = JSON.stringify(body);
      if (seen === shown) return true;
      shown = seen;
      view.replaceChildren(body.length === 0 ? make("p", "No releases yet.") : listTable(body), note);
      status(`${body.length} release${body.length === 1 ? "" : "s"}.`);
    } catch (error) {
      if (signal.aborted) return false;
      if (error instanceof api.ApiError && error.status === 401) {
        refused(error); // the token was revoked meanwhile: sign out
        return false;
      }
      if (shown === null) throw error;
      note.textContent = `Could not read the releases again (${error.message}); trying again.`;
    }
    return true;
  };
  if (!(await read())) return;
  every(POLL_MS, read, signal);
}

function actionButtons(release, onRequested) {
  const box = make("div", undefined, { class: "release-actions", role: "group", "aria-label": "Actions" });
  const outcome = make("p", undefined, { class: "outcome", role: "alert", hidden: "" });
  const confirmation = make("div", undefined, { class: "confirmation", hidden: "" });
  const buttons = ACTIONS.map((action) => {
    const button = make("button", action.label, { type: "button", "data-write": "" });
    button.addEventListener("click", () => (action.confirm ? confirm(action) : ask(action)));
    return { action, button };
  });
  box.append(...buttons.map(({ button }) => button), confirmation, outcome);

  async function ask(action) {
    confirmation.hidden = true;
    outcome.hidden = true;
    for (const { button } of buttons) button.disabled = true;
    try {
      await api.put(`${api.named("releases", release.name)}/status`, { status: action.requested });
      await onRequested(`${action.label} is asked for; the release controller acts on it at its next look.`);
    } catch (error) {
      outcome.textContent = `${action.label} was not accepted (${error.status}): ${error.message}`;
      outcome.hidden = false;
    } finally {
      for (const { button } of buttons) button.disabled = false;
    }
  }

  function confirm(action) {
    const yes = make("button", `Yes, ${action.label.toLowerCase()}`, { type: "button", "data-write": "" });
    const no = make("button", "Cancel", { type: "button", class: "secondary" });
    yes.addEventListener("click", () => ask(action));
    no.addEventListener("click", () => {
      confirmation.hidden = true;
    });
    confirmation.replaceChildren(make("p", action.confirm(release)), yes, no);
    confirmation.hidden = false;
    no.focus();
  }

  // Shows the buttons that apply to `latest`'s phase; an open confirmation closes when it no longer applies.
  function update(latest) {
    release = latest;
    const phase = phaseOf(latest);
    for (const { action, button } of buttons) button.hidden = !action.phases.includes(phase);
    if (isFinal(latest)) confirmation.hidden = true;
  }
  return { box, update };
}

function summary(release) {
  const list = make("dl", undefined, { class: "release-summary" });
  const add = (term, value) => {
    list.append(make("dt", term));
    const detail = list.appendChild(make("dd"));
    if (typeof value === "string") detail.textContent = value;
    else detail.append(value);
  };
  add("Phase", phaseBadge(release));
  add("Strategy", release.strategy ?? "canary");
  add("Gateway", release.gateway ?? "");
  add("From → to", `${release.from} → ${release.to}`);
  add("Step", stepText(release));
  const status = release.status ?? {};
  if (status.reason) add("Why", status.reason);
  if (status.requested) add("Asked for", `${status.requested} (the controller acts on it at its next look)`);
  return list;
}

async function showRelease(view, name, { status, signal, refused }) {
  status(`Loading release ${name}…`);
  let { body: release } = await api.get(api.named("releases", name), { signal });
  const article = make("article", undefined, { "aria-label": `Release ${name}`, class: "release" });
  const title = make("h3", name);
  const about = make("div");
  const weights = make("div");
  const note = make("p", undefined, { class: "hint", role: "status" });
  const heading = make("h4", "Timeline (newest first)");
  const decisions = make("div");
  let drawn = null;
  const live = new AbortController(); // stops following once the release is over, or the user leaves
  signal.addEventListener("abort", () => live.abort());
  const read = async () => {
    try {
      await draw((await api.get(api.named("releases", name), { signal })).body);
      note.textContent = isFinal(release) ? "The release is over." : "";
      if (isFinal(release)) live.abort();
    } catch (error) {
      if (signal.aborted) return false;
      if (error instanceof api.ApiError && error.status === 401) {
        refused(error); // the token was revoked meanwhile: sign out
        return false;
      }
      note.textContent = `Could not read ${name} again (${error.message}); trying again.`;
    }
    return !isFinal(release);
  };
  const actions = actionButtons(release, async (text) => {
    await read();
    status(text);
  });
  const draw = async (latest) => {
    release = latest;
    const seen = JSON.stringify(latest);
    actions.update(latest);
    if (seen === drawn) return;
    drawn = seen;
    about.replaceChildren(summary(latest));
    weights.replaceChildren(make("h4", "Weights now"), weightBars(latest));
    decisions.replaceChildren(timeline(latest));
  };
  await draw(release);
  article.append(title, about, weights, actions.box, note, heading, decisions);
  view.replaceChildren(make("a", "All releases", { href: "#/releases" }), article);
  status(`Release ${name}.`);
  if (isFinal(release)) return;
  follow(`release-statuses:${name}`, () => read(), live.signal);
  every(POLL_MS, read, live.signal);
}

// Shows the list (#/releases) or one release (#/releases/NAME) in `view`; see app.js for the context.
export async function showReleases(view, match, context) {
  const name = match[1] === undefined ? null : decodeURIComponent(match[1]);
  if (name === null) await showList(view, context);
  else await showRelease(view, name, context);
}
