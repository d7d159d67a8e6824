// One deployment's page (#/deployments/NAME): its state and ports, the gateways it exposes, and its
// clusters → services → instances, each service with its state, health (the runtime's healthy instances
// and, from /api/v1/health, the share of its responses that were not 5xx), scale (editable: one PUT of
// .../services/S/scale, as `vamp` does) and a way to slice it out once its traffic is moved. The
// deployment-wide actions (merge, undeploy, export) are deployment_actions.js's. The page is live: it
// reads the deployment again every few seconds (every two while a change is under way) and shows it
// again when it changed. Every control that writes carries `data-write`.

import * as api from "./api.js";
import { askFirst, outcomeLine } from "./confirmation.js";
import { actionsOf } from "./deployment_actions.js";
import { breedName, deploymentState, portsText, serviceState } from "./deployments.js";
import { make } from "./dom.js";
import { pause } from "./pause.js";
import { gatewayHref } from "./gateways.js";

const SETTLING_MS = 2000; // how often a deployment is read while a change is under way
const WATCH_MS = 5000; // and otherwise
const each = encodeURIComponent;

function percent(weight) {
  const number = Number.parseFloat(String(weight ?? "0"));
  return Number.isFinite(number) ? number : 0;
}

// Whether every service is deployed with all of its instances running.
function settled(deployment) {
  return Object.values(deployment.clusters ?? {}).every((cluster) =>
    (cluster.services ?? []).every(
      (service) =>
        serviceState(service) === "deployed" &&
        (service.instances ?? []).length === (service.scale?.instances ?? 0) &&
        (service.instances ?? []).every((instance) => instance.deployed !== false),
    ),
  );
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

// The share of a service's responses that were not 5xx (0 to 1), or null when nothing was measured.
async function trafficHealth(deployment, cluster, service, signal) {
  const path = `health/deployments/${each(deployment)}/clusters/${each(cluster)}/services/${each(service)}`;
  // Nothing measured yet is asked as null, not as a 404 (which the browser's console logs as an error).
  const { body } = await api.get(`${path}?unmeasured=null`, { signal });
  return typeof body === "number" ? body : null;
}

function healthText(service, measured) {
  const health = service.health ?? {};
  const running = health.running ?? (service.instances ?? []).length;
  const instances = `${health.healthy ?? running} of ${running} instances healthy`;
  const traffic =
    measured === null
      ? "no traffic measured in the last 2 minutes"
      : `${Math.round(measured * 1000) / 10}% of responses not 5xx in the last 2 minutes`;
  return `Health: ${instances}; ${traffic}.`;
}

function instanceTable(service) {
  const table = make("table");
  table.append(make("caption", `Instances of ${breedName(service)}`, { class: "visually-hidden" }));
  const head = make("tr");
  for (const title of ["Instance", "Host", "Ports", "State"]) {
    head.append(make("th", title, { scope: "col" }));
  }
  table.appendChild(make("thead")).append(head);
  const body = table.appendChild(make("tbody"));
  for (const instance of service.instances ?? []) {
    const row = body.appendChild(make("tr"));
    row.append(make("th", instance.name, { scope: "row" }));
    row.append(make("td", instance.host ?? ""));
    const ports = Object.entries(instance.ports ?? {}).map(([name, port]) => `${name}=${port}`);
    row.append(make("td", ports.join(", ")));
    const running = instance.deployed !== false;
    row.append(make("td", running ? "running" : "starting", { class: running ? "state-done" : "" }));
  }
  if ((service.instances ?? []).length === 0) {
    body.appendChild(make("tr")).append(make("td", "No instances yet.", { colspan: "4" }));
  }
  return table;
}

function field(form, id, text, attributes) {
  form.append(make("label", text, { for: id }), make("input", undefined, { id, ...attributes }));
  return form.querySelector(`#${CSS.escape(id)}`);
}

// The scale form: instances, CPU and memory, saved in one PUT of the service's scale.
function scaleForm(page, clusterName, service, key) {
  const scale = service.scale ?? {};
  const breed = breedName(service);
  const named = { "aria-label": `Scale of ${breed}`, class: "scale", "data-write": "" };
  const form = make("form", undefined, named);
  const number = { type: "number", min: "0", required: "" };
  const instances = field(form, `${key}-instances`, "Instances", {
    ...number, step: "1", value: String(scale.instances ?? 1),
  });
  const cpu = field(form, `${key}-cpu`, "CPU", { ...number, step: "any", value: String(scale.cpu ?? "") });
  const memory = field(form, `${key}-memory`, "Memory", {
    type: "text", required: "", value: String(scale.memory ?? ""),
  });
  const save = form.appendChild(make("button", "Scale", { type: "submit" }));
  const outcome = form.appendChild(outcomeLine());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    outcome.hidden = true;
    const body = { cpu: Number(cpu.value), memory: memory.value.trim(), instances: Number(instances.value) };
    const path = `deployments/${each(page.name)}/clusters/${each(clusterName)}/services/${each(breed)}/scale`;
    try {
      await api.put(path, body);
      await page.refresh(`${breed} is being scaled to ${plural(body.instances, "instance")}.`);
    } catch (error) {
      outcome.textContent = `Not scaled (${error.status}): ${error.message}`;
      outcome.hidden = false;
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

// Slicing a service out: refused here, as the API refuses it, while its routes still carry weight.
function sliceControl(page, deployment, clusterName, service) {
  const breed = breedName(service);
  const cluster = deployment.clusters[clusterName];
  const weighted = Object.keys(service.breed?.ports ?? {})
    .map((port) => ({ port, weight: percent(cluster.gateways?.[port]?.routes?.[breed]?.weight) }))
    .filter(({ weight }) => weight > 0);
  return askFirst({
    label: `Slice ${breed} out…`,
    question: `Slice ${breed} out of ${page.name}? Its instances stop.`,
    confirm: `Slice ${breed} out`,
    check: () => {
      if (weighted.length === 0) return null;
      const shares = weighted.map(({ port, weight }) => `${weight}% of port ${port}'s traffic`);
      const gateway = `${page.name}/${clusterName}/${weighted[0].port}`;
      return (
        `${breed} still gets ${shares.join(" and ")}: move it to the other services on gateway ` +
        `${gateway} first, then slice ${breed} out.`
      );
    },
    // As `vamp undeploy --service` does: DELETE with the part of the deployment's blueprint naming it.
    act: async () => {
      const path = api.named("deployments", page.name);
      const { body: blueprint } = await api.get(`${path}?as_blueprint=true`, { signal: page.signal });
      const services = blueprint.clusters?.[clusterName]?.services ?? [];
      const only = services.filter((item) => breedName(item) === breed);
      const clusters = { [clusterName]: { services: only } };
      await api.del(path, { body: { name: blueprint.name, kind: "blueprints", clusters } });
      await page.refresh(`${breed} is being sliced out of ${page.name}.`);
    },
  });
}

function serviceArticle(page, deployment, clusterName, service, measured, key) {
  const breed = breedName(service);
  const article = make("article", undefined, { "aria-label": `Service ${breed}`, class: "service" });
  article.append(make("h5", breed));
  const state = serviceState(service);
  const scale = service.scale ?? {};
  const note = service.status?.phase?.notification;
  article.append(
    make("p", `State: ${state}${note ? ` (${note})` : ""}`, { class: `state-${state}` }),
    make("p", healthText(service, measured)),
    make("p", `Scale: ${plural(scale.instances ?? 0, "instance")}, ${scale.cpu} CPU, ${scale.memory}.`),
    instanceTable(service),
    scaleForm(page, clusterName, service, key),
    sliceControl(page, deployment, clusterName, service),
  );
  return article;
}

function gatewayLine(name, text) {
  const line = make("li");
  line.append(make("a", name, { href: gatewayHref(name) }), document.createTextNode(` ${text}`));
  return line;
}

function clusterPart(page, deployment, clusterName, cluster, health) {
  const named = { role: "group", "aria-label": `Cluster ${clusterName}`, class: "cluster" };
  const part = make("div", undefined, named);
  part.append(make("h4", `Cluster ${clusterName}`));
  const ports = make("ul", undefined, { "aria-label": `Gateways of cluster ${clusterName}` });
  part.append(ports);
  for (const [port, gateway] of Object.entries(cluster.gateways ?? {})) {
    const routes = Object.entries(gateway.routes ?? {});
    const weights = routes.map(([route, { weight }]) => `${route} ${weight ?? "—"}`).join(", ");
    ports.append(gatewayLine(`${deployment.name}/${clusterName}/${port}`, `(port ${port}: ${weights})`));
  }
  (cluster.services ?? []).forEach((service, index) => {
    const measured = health.get(`${clusterName}/${breedName(service)}`) ?? null;
    part.append(serviceArticle(page, deployment, clusterName, service, measured, `${clusterName}-${index}`));
  });
  return part;
}

async function healthOf(deployment, signal) {
  const asked = Object.entries(deployment.clusters ?? {}).flatMap(([cluster, { services }]) =>
    (services ?? []).map((service) => [cluster, breedName(service)]),
  );
  const found = await Promise.all(
    asked.map(([cluster, breed]) => trafficHealth(deployment.name, cluster, breed, signal)),
  );
  return new Map(asked.map(([cluster, breed], index) => [`${cluster}/${breed}`, found[index]]));
}

function deploymentArticle(page, deployment, health) {
  const article = make("article", undefined, { "aria-label": `Deployment ${deployment.name}` });
  article.append(make("h3", deployment.name));
  const state = deploymentState(deployment);
  article.append(make("p", `State: ${state}. Ports: ${portsText(deployment)}.`, { class: `state-${state}` }));
  const exposed = Object.keys(deployment.gateways ?? {});
  if (exposed.length > 0) {
    const list = make("ul", undefined, { "aria-label": `Gateways of ${deployment.name}` });
    article.append(list);
    for (const port of exposed) {
      list.append(gatewayLine(`${deployment.name}/${port.split("/")[0]}`, `(port ${port})`));
    }
  }
  for (const [name, cluster] of Object.entries(deployment.clusters ?? {})) {
    article.append(clusterPart(page, deployment, name, cluster, health));
  }
  article.append(actionsOf(page));
  return article;
}

// Whether the user is in the middle of something on the page (typing, choosing, answering a question,
// reading an export) that showing the deployment again would throw away.
function busy(view) {
  const focused = document.activeElement;
  return (
    (view.contains(focused) && focused.matches("input, select, textarea")) ||
    view.querySelector(".ask [role=group]:not([hidden]), .export pre") !== null
  );
}

// Shows deployment NAME (#/deployments/NAME) in `view`, and keeps it live until the user leaves: read
// again every few seconds (more often while a change is under way), shown again when it changed and
// the user is not busy with a control. See app.js for the context's fields.
export async function showDeployment(view, match, { status, signal }) {
  const name = decodeURIComponent(match[1]);
  let shown = null; // the deployment as last shown, as JSON
  let pending = null; // what the user asked for, until the deployment has settled
  const page = {
    name,
    signal,
    status,
    // After a change: says `text`, shows the deployment at once, and says when it has settled.
    async refresh(text) {
      pending = text;
      status(text);
      await update(true);
    },
    // After undeploying: says `text` until the deployment is gone.
    async gone(text) {
      await page.refresh(text);
    },
  };
  // Reads the deployment (unless `given`) and shows it (when `now`, or when it changed and the user is
  // not busy); false once it is gone.
  async function update(now = false, given = null) {
    let deployment = given;
    try {
      deployment ??= (await api.get(api.named("deployments", name), { signal })).body;
    } catch (error) {
      if (!(error instanceof api.ApiError && error.status === 404) || signal.aborted) throw error;
      view.replaceChildren(make("p", `There is no deployment ${name} any more.`), back());
      status(`Deployment ${name} is undeployed.`);
      return false;
    }
    const seen = JSON.stringify(deployment);
    if (now || (seen !== shown && !busy(view))) {
      const health = await healthOf(deployment, signal);
      if (signal.aborted) return false;
      view.replaceChildren(back(), deploymentArticle(page, deployment, health));
      shown = seen;
    }
    if (pending && settled(deployment)) {
      status(`${pending} Done: deployment ${name} is ${deploymentState(deployment)}.`);
      pending = null;
    }
    return true;
  }
  status(`Loading deployment ${name}…`);
  const first = (await api.get(api.named("deployments", name), { signal })).body;
  status(`Deployment ${name}: ${deploymentState(first)}.`);
  if (!settled(first)) pending = `Deployment ${name} is changing.`;
  await update(true, first);
  watch();
  async function watch() {
    while (!signal.aborted) {
      await pause(pending ? SETTLING_MS : WATCH_MS, signal);
      if (signal.aborted) return;
      try {
        if (!(await update())) return;
      } catch (error) {
        if (!(error instanceof api.ApiError) || !error.unreachable) {
          status(`Deployment ${name} could not be read again: ${error.message}`);
        }
      }
    }
  }
}

function back() {
  return make("a", "All deployments", { href: "#/deployments" });
}
