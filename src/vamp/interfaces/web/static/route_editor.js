// One gateway's routing beside its weights (issue 12, Build 3): per route a condition in Vamp's condition
// language (vamp.md §1.11, `user-agent == Firefox`) and the condition's strength, the route's targets as
// GET gave them (read-only), and the gateway's sticky setting. The fields sit in the weights' form, so
// one Apply saves everything in ONE PUT: `amend(body)` writes the fields into the gateway to send, and
// `check(body)` asks the server first (PUT …?validate_only=true), as each pause in typing does, so the
// message a user reads is the DSL's own. An issue the server names at a field (`routes['P'].condition`,
// `…condition_strength`, `sticky`) is shown under that field (aria-invalid, aria-describedby); while one
// is there, `check` throws and nothing is saved.

import * as api from "./api.js";
import { make } from "./dom.js";

const PAUSE_MS = 400;
const STICKY = [
  ["none", "none"],
  ["route", "route: a client keeps its route"],
  ["instance", "instance: a client keeps its route and instance"],
];

let made = 0; // numbers the fields' ids, unique on the page

// The condition's text as GET gives it: null, "text", {condition: "text"} or {name, condition: "text"}.
export function conditionText(condition) {
  if (condition === null || condition === undefined) return "";
  if (typeof condition === "string") return condition;
  return typeof condition.condition === "string" ? condition.condition : "";
}

function strengthNumber(strength) {
  const number = Number.parseFloat(String(strength ?? "0"));
  return Number.isFinite(number) ? String(number) : "0";
}

function targetText(target) {
  if (target.url) return target.url;
  const place = `${target.host}:${target.port}`;
  return target.name ? `${target.name} at ${place}` : place;
}

// The field an issue's path names: {route, part} for `routes['P'].condition[_strength]`, {part: "sticky"}.
export function placeOf(path) {
  const found = /^routes\[(['"])(.*)\1\]\.(condition_strength|condition)(?=$|[.[])/.exec(path ?? "");
  if (found) return { route: found[2], part: found[3] };
  return /^sticky(?=$|[.[])/.test(path ?? "") ? { part: "sticky" } : null;
}

// A labelled control with the place for its problem under it. Editing controls carry `data-write`
// (hidden from viewers), and so does their wrapper, so that no label is left without its control.
function field(text, named, control, what) {
  const id = `routing-${++made}`;
  const wrapper = make("div", undefined, { class: "routing-field", "data-write": "" });
  const label = wrapper.appendChild(make("label", text, { for: id }));
  if (named) label.append(make("span", ` of ${named}`, { class: "visually-hidden" }));
  const problem = make("p", undefined, { id: `${id}-problem`, class: "field-problem", role: "alert" });
  problem.hidden = true;
  control.id = id;
  control.setAttribute("data-write", "");
  control.setAttribute("aria-describedby", problem.id);
  wrapper.append(control, problem);
  return { wrapper, control, problem, what };
}

function showProblem(place, message) {
  place.problem.textContent = message ?? "";
  place.problem.hidden = !message;
  if (message) place.control.setAttribute("aria-invalid", "true");
  else place.control.removeAttribute("aria-invalid");
}

function routeFields(path, route, changed) {
  const group = make("fieldset", undefined, { class: "routing-route" });
  group.append(make("legend", path));
  const saved = conditionText(route.condition);
  const strength = strengthNumber(route.condition_strength);
  const now = saved ? `Now: ${saved}, strength ${strength}%.` : "Now: no condition.";
  group.append(make("p", now, { class: "hint" }));
  const targets = route.targets ?? [];
  group.append(make("p", targets.length === 0 ? "Targets: none yet." : "Targets:", { class: "targets" }));
  if (targets.length > 0) {
    const list = group.appendChild(make("ul", undefined, { "aria-label": `Targets of ${path}` }));
    for (const target of targets) list.append(make("li", targetText(target)));
  }
  const text = make("input", undefined, { type: "text", spellcheck: "false", autocomplete: "off" });
  text.value = saved;
  text.placeholder = "e.g. user-agent == Firefox";
  const condition = field("Condition", path, text, `the condition of ${path}`);
  const number = make("input", undefined, { type: "number", min: "0", max: "100", step: "1" });
  number.value = strength;
  const share = field("Condition strength (%)", path, number, `the condition strength of ${path}`);
  const meaning = `${share.problem.id}-hint`;
  const explained =
    "The share of the requests matching the condition that this route takes; the rest follow the weights.";
  share.wrapper.append(make("p", explained, { id: meaning, class: "hint" }));
  number.setAttribute("aria-describedby", `${meaning} ${share.problem.id}`);
  group.append(condition.wrapper, share.wrapper);
  let strengthTouched = false;
  number.addEventListener("input", () => {
    strengthTouched = true;
    changed();
  });
  text.addEventListener("input", () => {
    // Unless the user set the strength: a new condition applies in full and no condition at 0 %, the
    // DSL's defaults; an edited condition keeps the strength it had.
    if (!strengthTouched) number.value = !text.value.trim() ? "0" : saved ? strength : "100";
    changed();
  });
  return { path, saved, group, condition, strength: share };
}

function stickyField(gateway) {
  const select = make("select");
  for (const [value, text] of STICKY) select.append(make("option", text, { value }));
  select.value = gateway.sticky ?? "none";
  const place = field("Sticky sessions", null, select, "the sticky setting");
  const group = make("div", undefined, { class: "routing-sticky" });
  const now = make("p", `Sticky sessions now: ${gateway.sticky ?? "none"}.`, { class: "hint" });
  group.append(now, place.wrapper);
  return { group, place };
}

// The routing part of `gateway`'s page: `element` to put in the weights' form, `amend(body)` to write the
// fields into the gateway to PUT, and `check(body)`, which asks the server and throws an ApiError when a
// field holds something the DSL refuses (the issue is then shown under the field).
export function routeEditor(gateway) {
  const element = make("div", undefined, { class: "routing" });
  element.append(make("h4", "Conditions, sticky sessions and targets"));
  const paths = Object.keys(gateway.routes ?? {});
  let timer = null;
  let pending = null; // the check in flight, aborted by a newer one
  const paused = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (!element.isConnected) return;
      const body = structuredClone(gateway);
      amend(body);
      inspect(body).catch(() => {}); // a pause only shows what is wrong; Apply is what refuses
    }, PAUSE_MS);
  };
  const routes = paths.map((path) => routeFields(path, gateway.routes[path], paused));
  const sticky = stickyField(gateway);
  for (const route of routes) element.append(route.group);
  element.append(sticky.group);
  sticky.place.control.addEventListener("change", paused);

  function amend(body) {
    for (const route of routes) {
      const target = body.routes[route.path];
      const text = route.condition.control.value.trim();
      if (text !== route.saved) target.condition = text; // "" removes the condition
      const strength = route.strength.control.value.trim();
      target.condition_strength = strength === "" ? null : `${strength}%`;
    }
    const chosen = sticky.place.control.value;
    body.sticky = chosen === "none" ? null : chosen;
  }

  // Shows each issue under its field and clears the others; answers the fields that have one.
  function place(issues) {
    const problems = new Map();
    for (const issue of issues) {
      const at = placeOf(issue.path);
      const route = at && routes.find((candidate) => candidate.path === at.route);
      const inRoute = route && (at.part === "condition" ? route.condition : route.strength);
      const found = at?.part === "sticky" ? sticky.place : inRoute;
      if (found) problems.set(found, [problems.get(found), issue.message].filter(Boolean).join("\n"));
    }
    const every = [...routes.flatMap((route) => [route.condition, route.strength]), sticky.place];
    for (const one of every) showProblem(one, problems.get(one));
    return every.filter((one) => problems.has(one));
  }

  // Asks the server about `body`; answers the fields it found wrong (shown under them), or throws its
  // refusal when that names no field (a 403, weights that do not add up: Apply shows those).
  async function inspect(body) {
    clearTimeout(timer);
    pending?.abort();
    const controller = new AbortController();
    pending = controller;
    try {
      await api.put(`${api.named("gateways", gateway.name)}?validate_only=true`, body, {
        signal: controller.signal,
      });
      return place([]);
    } catch (error) {
      if (controller.signal.aborted) {
        throw new api.ApiError(409, "A newer check replaced this one; apply again.");
      }
      const refused = error instanceof api.ApiError && error.status === 400;
      const wrong = refused ? place(error.body?.issues ?? []) : [];
      if (wrong.length === 0) throw error;
      return wrong;
    } finally {
      if (pending === controller) pending = null;
    }
  }

  async function check(body) {
    const wrong = await inspect(body);
    if (wrong.length === 0) return;
    wrong[0].control.focus();
    const names = wrong.map((one) => one.what).join(", ");
    const verb = wrong.length === 1 ? "is" : "are";
    throw new api.ApiError(400, `${names} ${verb} not valid: see the message under the field.`);
  }

  if (paths.length === 0) element.append(make("p", "This gateway has no routes to set conditions on."));
  return { element, amend, check };
}
