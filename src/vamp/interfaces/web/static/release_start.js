// Starting a release from a gateway's page: a small form that picks `from` and `to` among the gateway's
// routes, the strategy (canary, blue-green, A/B; the last two need a condition), the canary's steps, the
// least time per step and the candidate requests a step needs. It stores the release with ONE POST of
// /api/v1/releases (the release controller takes it from there) and goes to the release's page; a refusal
// (a name taken, a viewer's 403, a field the DSL will not take) shows the server's message under the form.

import * as api from "./api.js";
import { make } from "./dom.js";
import { releaseHref } from "./releases.js";

const STRATEGIES = [
  { value: "canary", label: "Canary: step by step" },
  { value: "blue-green", label: "Blue-green: preview, then switch" },
  { value: "ab", label: "A/B: a cohort by condition" },
];
const DEFAULTS = { steps: "5, 10, 25, 50, 100", interval: "30s", samples: "200" };

// A release name from the candidate route: "sava/sava/sava:1.1.0/webport" → "sava-1.1.0".
export function suggestedName(gateway, route) {
  const parts = String(route ?? "").split("/");
  const service = parts.find((part) => part.includes(":")) ?? parts.at(-1) ?? "";
  const name = service.replaceAll(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "");
  return name || `${String(gateway).replaceAll("/", "-")}-release`;
}

function field(form, id, labelText, control, hint) {
  const wrapper = form.appendChild(make("div", undefined, { class: "field" }));
  wrapper.append(make("label", labelText, { for: id }), control);
  if (hint) {
    const note = make("p", hint, { class: "hint", id: `${id}-hint` });
    control.setAttribute("aria-describedby", note.id);
    wrapper.append(note);
  }
  return wrapper;
}

function select(id, options) {
  const control = make("select", undefined, { id });
  for (const { value, label } of options) control.append(make("option", label ?? value, { value }));
  return control;
}

// The release the form describes, as the API stores it.
function releaseOf(gateway, values) {
  const release = {
    name: values.name,
    gateway: gateway.name,
    from: values.from,
    to: values.to,
    strategy: values.strategy,
    interval: values.interval || DEFAULTS.interval,
    samples: Number.parseInt(values.samples || DEFAULTS.samples, 10),
  };
  if (values.strategy === "canary") {
    release.steps = values.steps
      .split(/[\s,]+/)
      .filter(Boolean)
      .map((step) => (step.endsWith("%") ? step : `${step}%`));
  }
  if (values.strategy === "blue-green") release.preview = values.condition;
  if (values.strategy === "ab") release.condition = values.condition;
  return release;
}

// The form for `gateway` (as GET gave it).
export function releaseStart(gateway) {
  const paths = Object.keys(gateway.routes ?? {});
  const section = make("section", undefined, { class: "release-start", "aria-labelledby": "release-start-title" });
  section.append(make("h4", "Start a release", { id: "release-start-title" }));
  if (paths.length < 2) {
    section.append(make("p", "A release moves traffic from one route to another: this gateway needs two routes."));
    return section;
  }
  const form = section.appendChild(make("form", undefined, { "aria-label": "Start a release" }));
  const options = paths.map((path) => ({ value: path }));
  const from = select("release-from", options);
  const to = select("release-to", options);
  // The baseline is the route with the most traffic now; the candidate the first other one.
  const weight = (path) => Number.parseFloat(String(gateway.routes[path].weight ?? "0")) || 0;
  from.value = paths.reduce((best, path) => (weight(path) > weight(best) ? path : best), paths[0]);
  to.value = paths.find((path) => path !== from.value);
  const name = make("input", undefined, { id: "release-name", required: "", autocomplete: "off" });
  name.value = suggestedName(gateway.name, to.value);
  let named = false;
  name.addEventListener("input", () => {
    named = true;
  });
  to.addEventListener("change", () => {
    if (!named) name.value = suggestedName(gateway.name, to.value);
  });
  const strategy = select("release-strategy", STRATEGIES);
  const steps = make("input", undefined, { id: "release-steps", autocomplete: "off" });
  steps.value = DEFAULTS.steps;
  const condition = make("input", undefined, { id: "release-condition", autocomplete: "off" });
  const interval = make("input", undefined, { id: "release-interval", autocomplete: "off" });
  interval.value = DEFAULTS.interval;
  const samples = make("input", undefined, { id: "release-samples", type: "number", min: "1", step: "1" });
  samples.value = DEFAULTS.samples;

  field(form, "release-from", "From (baseline)", from);
  field(form, "release-to", "To (candidate)", to);
  field(form, "release-strategy", "Strategy", strategy);
  const stepsField = field(form, "release-steps", "Steps (the candidate's weights, %)", steps);
  const conditionField = field(form, "release-condition", "Condition", condition, "e.g. user-agent == Firefox");
  field(form, "release-interval", "Interval (least time per step)", interval, "e.g. 30s, 5m");
  field(form, "release-samples", "Samples (candidate requests a step needs)", samples);
  field(form, "release-name", "Release name", name);
  const start = make("button", "Start release", { type: "submit", "data-write": "" });
  const outcome = make("p", undefined, { role: "alert", class: "outcome", hidden: "" });
  form.append(start, outcome);

  const showStrategy = () => {
    stepsField.hidden = strategy.value !== "canary";
    conditionField.hidden = strategy.value === "canary";
    condition.required = strategy.value !== "canary";
    conditionField.querySelector("label").textContent =
      strategy.value === "blue-green" ? "Preview condition" : "Cohort condition";
  };
  strategy.addEventListener("change", showStrategy);
  showStrategy();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    outcome.hidden = true;
    if (from.value === to.value) {
      outcome.textContent = "From and to are the same route: pick another route to release to.";
      outcome.hidden = false;
      return;
    }
    const values = {
      name: name.value.trim(),
      from: from.value,
      to: to.value,
      strategy: strategy.value,
      steps: steps.value,
      condition: condition.value.trim(),
      interval: interval.value.trim(),
      samples: samples.value,
    };
    start.disabled = true;
    try {
      await api.post("releases", releaseOf(gateway, values));
      location.hash = releaseHref(values.name);
    } catch (error) {
      outcome.textContent = `Not started (${error.status}): ${error.message}`;
      outcome.hidden = false;
    } finally {
      start.disabled = false;
    }
  });
  return section;
}
