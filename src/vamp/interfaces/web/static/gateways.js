// The gateways view: the list of gateways (name, port, routes with their weights) and one gateway's page,
// with a range slider per route kept summing to 100 % and an Apply button that sends the gateway, as
// GET gave it, back in ONE PUT with the new weights. A refused PUT (a viewer's 403, weights the server
// will not take) shows the server's message next to the button.

import * as api from "./api.js";
import { make } from "./dom.js";
import { routeEditor } from "./route_editor.js";
import { releaseStart } from "./release_start.js";
import { PER_PAGE, askedPage, pager, rangeText } from "./pager.js";
import { mayWrite } from "./session.js";
import { gatewayCharts } from "./gateway_charts.js";

function portOf(gateway) {
  const port = gateway.port;
  if (port && typeof port === "object") return String(port.number ?? port.value ?? "");
  return port === undefined || port === null ? "" : String(port);
}

function percent(weight) {
  const number = Number.parseInt(String(weight ?? "0"), 10);
  return Number.isFinite(number) ? Math.min(100, Math.max(0, number)) : 0;
}

function weightsText(gateway) {
  const routes = Object.entries(gateway.routes ?? {});
  if (routes.length === 0) return "no routes";
  return routes.map(([path, route]) => `${path} ${route.weight ?? "—"}`).join(", ");
}

export function gatewayHref(name) {
  return `#/gateways/${encodeURIComponent(name)}`;
}

function listTable(gateways) {
  const table = make("table");
  table.append(make("caption", "Gateways", { class: "visually-hidden" }));
  const head = make("tr");
  for (const title of ["Gateway", "Port", "Routes"]) head.append(make("th", title, { scope: "col" }));
  table.appendChild(make("thead")).append(head);
  const body = table.appendChild(make("tbody"));
  for (const gateway of gateways) {
    const row = body.appendChild(make("tr"));
    const name = row.appendChild(make("th", undefined, { scope: "row" }));
    name.append(make("a", gateway.name, { href: gatewayHref(gateway.name) }));
    row.append(make("td", portOf(gateway), { class: "port" }));
    row.append(make("td", weightsText(gateway)));
  }
  return table;
}

// The weights after route `moved` was set to `value`: the others share what is left, in proportion to
// what they had (evenly when they had nothing), rounded so that the total stays exactly 100.
export function rebalance(weights, moved, value) {
  const others = weights.map((_, index) => index).filter((index) => index !== moved);
  const next = [...weights];
  next[moved] = others.length === 0 ? 100 : value;
  const rest = 100 - next[moved];
  const had = others.reduce((sum, index) => sum + weights[index], 0);
  let given = 0;
  others.forEach((index, position) => {
    if (position === others.length - 1) next[index] = rest - given;
    else {
      next[index] = Math.floor(had === 0 ? rest / others.length : (rest * weights[index]) / had);
      given += next[index];
    }
  });
  return next;
}

function gatewayPage(gateway, onApplied, signal) {
  const article = make("article", undefined, { "aria-label": `Gateway ${gateway.name}` });
  article.append(make("h3", gateway.name));
  article.append(make("p", `Port ${portOf(gateway) || "none"}`, { class: "hint" }));
  const paths = Object.keys(gateway.routes ?? {});
  let weights = paths.map((path) => percent(gateway.routes[path].weight));
  const form = article.appendChild(make("form", undefined, { "aria-label": "Route weights" }));
  const sliders = paths.map((path, index) => {
    const id = `route-${index}`;
    const label = form.appendChild(make("label", undefined, { for: id }));
    const slider = form.appendChild(
      make("input", undefined, { id, type: "range", min: "0", max: "100", step: "1" }),
    );
    slider.disabled = !mayWrite(); // a viewer sees the weights but cannot move them
    slider.addEventListener("input", () => {
      weights = rebalance(weights, index, Number(slider.value));
      show();
    });
    return { path, label, slider };
  });
  const outcome = make("p", undefined, { role: "alert", class: "outcome", hidden: "" });
  const apply = make("button", "Apply", { type: "submit", "data-write": "" });
  form.append(apply, outcome);
  function show() {
    sliders.forEach(({ path, label, slider }, index) => {
      label.textContent = `${path}: ${weights[index]}%`;
      slider.value = String(weights[index]);
    });
  }
  show();
  if (paths.length === 0) form.append(make("p", "This gateway has no routes to weigh."));
  const routing = routeEditor(gateway); // conditions, strengths, sticky, targets: saved by the same Apply
  form.insertBefore(routing.element, apply);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = structuredClone(gateway);
    paths.forEach((path, index) => {
      body.routes[path].weight = `${weights[index]}%`;
    });
    routing.amend(body);
    apply.disabled = true;
    outcome.hidden = true;
    try {
      await routing.check(body); // the server's check first: nothing is saved while a field is refused
      await api.put(api.named("gateways", gateway.name), body);
      onApplied(`The new weights of ${gateway.name} are applied.`);
    } catch (error) {
      outcome.textContent = `Not applied (${error.status}): ${error.message}`;
      outcome.hidden = false;
    } finally {
      apply.disabled = false;
    }
  });
  article.append(gatewayCharts(gateway, signal));
  article.append(releaseStart(gateway));
  return article;
}

// One page of the list (#/gateways?page=N, so a page can be bookmarked), with the pager (pager.js) when
// there is more than one page.
async function showList(view, page, { status, signal }) {
  status(page === 1 ? "Loading gateways…" : `Loading page ${page} of the gateways…`);
  const { body, total } = await api.get(`gateways?page=${page}&per_page=${PER_PAGE}`, { signal });
  const all = total ?? body.length;
  if (all === 0) {
    view.replaceChildren(make("p", "No gateways yet."));
    status("0 gateways.");
    return;
  }
  const paged = all > PER_PAGE || page > 1;
  const shown = body.length === 0 ? make("p", `There is no page ${page}.`) : listTable(body);
  const parts = [shown];
  if (paged) parts.push(pager({ base: "#/gateways", what: "Gateways", page, shown: body.length, total: all }));
  view.replaceChildren(...parts);
  if (paged) status(`Gateways ${rangeText(page, body.length, all)}.`);
  else status(`${all} gateway${all === 1 ? "" : "s"}.`);
}

// Shows the list (#/gateways) or one gateway (#/gateways/NAME) in `view`; see app.js for the context.
export async function showGateways(view, match, context) {
  const name = match[1] === undefined ? null : decodeURIComponent(match[1]);
  const { status, signal } = context;
  if (name === null) {
    await showList(view, askedPage(match[2]), context);
    return;
  }
  status(`Loading gateway ${name}…`);
  const { body } = await api.get(api.named("gateways", name), { signal });
  const back = make("a", "All gateways", { href: "#/gateways" });
  const applied = async (text) => {
    await showGateways(view, match, context);
    status(text);
  };
  view.replaceChildren(back, gatewayPage(body, applied, signal));
  status(`Gateway ${name}.`);
}
