// What a release's page shows of its status: the current step and the weights the controller set (as bars,
// the baseline and the candidate named), and the timeline of its decisions, NEWEST FIRST, each with its
// time, step, action, reason, the weights it left and the judge's figures (check, outcome, baseline and
// candidate values, statistic, p-value, samples, the check's own reason).

import { make } from "./dom.js";

const FINAL = new Set(["Promoted", "RolledBack", "Aborted", "Failed"]);

export function isFinal(release) {
  return FINAL.has(release.status?.phase);
}

// A weight as a number of percent: "20%", "20", 20 → 20; anything else → null.
export function percentOf(weight) {
  const number = Number.parseFloat(String(weight ?? ""));
  return Number.isFinite(number) ? number : null;
}

function formatPercent(weight) {
  const number = percentOf(weight);
  return number === null ? "—" : `${Number(number.toFixed(2))}%`;
}

// The number of steps of the release's strategy: the canary's list, blue-green's preview and switch, A/B's one.
function stepCount(release) {
  if (release.strategy === "blue-green") return 2;
  if (release.strategy === "ab") return 1;
  return Array.isArray(release.steps) ? release.steps.length : 0;
}

// "Step 2 of 5 (candidate at 25%)", or "Not started" before the first.
export function stepText(release) {
  const step = release.status?.step;
  if (step === null || step === undefined) return "Not started";
  const total = stepCount(release);
  const of = total ? ` of ${total}` : "";
  const aim = release.strategy === "canary" || !release.strategy ? release.steps?.[step] : undefined;
  return `Step ${step + 1}${of}${aim === undefined ? "" : ` (candidate at ${formatPercent(aim)})`}`;
}

// Which role a route plays in the release: "baseline", "candidate" or "".
function roleOf(release, path) {
  const status = release.status ?? {};
  if (path === status.baseline) return "baseline";
  if (path === status.candidate) return "candidate";
  return "";
}

// One line of weights as text: "baseline sava/sava/sava:1.0.0/webport 80%, candidate … 20%".
export function weightsLine(release, weights) {
  const entries = Object.entries(weights ?? {});
  if (entries.length === 0) return "none set yet";
  return entries
    .map(([path, weight]) => {
      const role = roleOf(release, path);
      return `${role ? `${role} ` : ""}${path} ${formatPercent(weight)}`;
    })
    .join(", ");
}

// The weights the controller set now, one bar per route.
export function weightBars(release) {
  const weights = Object.entries(release.status?.weights ?? {});
  const list = make("ul", undefined, { class: "weight-bars", "aria-label": "Current weights" });
  if (weights.length === 0) list.append(make("li", "No weights set yet."));
  for (const [path, weight] of weights) {
    const role = roleOf(release, path);
    const item = list.appendChild(make("li", undefined, { class: role ? `route-${role}` : "" }));
    const name = item.appendChild(make("span", undefined, { class: "route-name" }));
    if (role) name.append(make("span", role, { class: "route-role" }));
    name.append(make("span", path));
    const bar = item.appendChild(make("span", undefined, { class: "bar", "aria-hidden": "true" }));
    bar.appendChild(make("span", undefined, { class: "fill" })).style.width = `${percentOf(weight) ?? 0}%`;
    item.append(make("span", formatPercent(weight), { class: "weight" }));
  }
  return list;
}

function figure(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") {
    if (Number.isInteger(value)) return value.toLocaleString("en");
    return Math.abs(value) >= 1000 ? value.toFixed(0) : String(Number(value.toPrecision(4)));
  }
  if (Array.isArray(value)) return value.map(figure).join(" / ");
  return String(value);
}

// A check's estimate with its unit: the errors checks' 5xx rates in percent, the latency checks' milliseconds.
function estimate(check, value) {
  if (typeof value !== "number") return figure(value);
  if (String(check).startsWith("errors")) return `${figure(Number((value * 100).toPrecision(3)))} %`;
  if (String(check).startsWith("latency")) return `${figure(value)} ms`;
  return figure(value);
}

function findingsTable(findings) {
  const table = make("table", undefined, { class: "findings" });
  table.append(make("caption", "The judge's figures", { class: "visually-hidden" }));
  const head = make("tr");
  const titles = ["Check", "Outcome", "Baseline", "Candidate", "Statistic", "p-value", "Samples (base / cand.)"];
  for (const title of titles) head.append(make("th", title, { scope: "col" }));
  table.appendChild(make("thead")).append(head);
  const body = table.appendChild(make("tbody"));
  for (const finding of findings) {
    const row = body.appendChild(make("tr"));
    row.append(make("th", String(finding.check ?? "—"), { scope: "row" }));
    const outcome = String(finding.outcome ?? "—");
    row.append(make("td", outcome, { class: `outcome-${outcome}` }));
    row.append(make("td", estimate(finding.check, finding.baseline)));
    row.append(make("td", estimate(finding.check, finding.candidate)));
    for (const key of ["statistic", "p_value", "samples"]) row.append(make("td", figure(finding[key])));
    if (finding.reason) {
      const why = body.appendChild(make("tr", undefined, { class: "finding-reason" }));
      why.append(make("td", String(finding.reason), { colspan: String(titles.length) }));
    }
  }
  return table;
}

function timeOf(at) {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? String(at ?? "") : date.toLocaleTimeString("en-GB");
}

function decisionItem(release, decision) {
  const item = make("li", undefined, { class: `decision action-${decision.action}` });
  const head = item.appendChild(make("p", undefined, { class: "decision-head" }));
  head.append(make("time", timeOf(decision.at), { datetime: String(decision.at ?? "") }));
  head.append(make("span", String(decision.action), { class: "action" }));
  const step = decision.step === null || decision.step === undefined ? "before step 1" : `step ${decision.step + 1}`;
  head.append(make("span", step, { class: "decision-step" }));
  if (decision.reason) item.append(make("p", decision.reason, { class: "decision-reason" }));
  item.append(make("p", `Weights: ${weightsLine(release, decision.weights)}`, { class: "hint" }));
  const findings = decision.findings ?? [];
  if (findings.length) item.append(findingsTable(findings));
  return item;
}

// The decisions, newest first; `dropped` older ones are counted at the end.
export function timeline(release) {
  const status = release.status ?? {};
  const decisions = [...(status.decisions ?? [])].reverse();
  const list = make("ol", undefined, { class: "timeline", "aria-label": "Decisions, newest first" });
  list.append(...decisions.map((decision) => decisionItem(release, decision)));
  if (decisions.length === 0) list.append(make("li", "No decision yet.", { class: "decision" }));
  if (status.dropped) list.append(make("li", `${status.dropped} older decisions are no longer kept.`));
  return list;
}
