// One deployment's page (#/deployments/NAME): its state and ports, the gateways it exposes, and its
// clusters → services → instances, each service with its state, health (the runtime's healthy instances
// and, from /api/v1/health, the share of its responses that were not 5xx), scale (editable: one PUT of
// .../services/S/scale, as `vamp` does) and a way to slice it out once its traffic is moved. The
// deployment-wide actions (merge, undeploy, export) are deployment-actions.js's. While a service is
// changing the page reads the deployment again every few seconds until it has settled. Every control
// that writes carries `data-write`.

import * as api from "./api.js";
import { actionsOf, askFirst, outcomeLine } from "./deployment-actions.js";
import { breedName, deploymentState, portsText, serviceState } from "./deployments.js";
import { make } from "./dom.js";
import { gatewayHref } from "./gateways.js";

const SETTLING_MS = 2000;
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

// Resolves after `ms`, or at once when `signal` aborts (the user left the page).
function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const stop = () => {
      clearTimeout(timer);
      resolve();
    };
    signal.addEventListener("abort", stop, { once: true });
  });
}

// The share of a service's responses that were not 5xx (0 to 1), or null when nothing was measured.
async function trafficHealth(deployment, cluster, service, signal) {
  const path = `health/deployments/${each(deployment)}/clusters/${each(cluster)}/services/${each(service)}`;
  try {
    const { body } = await api.get(path, { signal });
    return typeof body === "number" ? body : null;
  } catch (error) {
    if (error instanceof api.ApiError && error.status === 404) return null;
    throw error;
  }
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

// Shows deployment NAME (#/deployments/NAME) in `view`; see app.js for the context's fields.
export async function showDeployment(view, match, { status, signal }) {
  const name = decodeURIComponent(match[1]);
  let following = false;
  const page = {
    name,
    signal,
    status,
    // Reads the deployment again and shows it with `text`; follows it until it has settled.
    async refresh(text) {
      const shown = await render();
      if (shown) status(text);
      if (shown && !settled(shown)) follow(text);
    },
    // The deployment is being removed: waits until it is gone, then says so.
    async gone(text) {
      status(text);
      while (!signal.aborted) {
        await pause(SETTLING_MS, signal);
        if (signal.aborted || !(await render())) return;
      }
    },
  };
  async function render() {
    let deployment;
    try {
      deployment = (await api.get(api.named("deployments", name), { signal })).body;
    } catch (error) {
      if (!(error instanceof api.ApiError && error.status === 404) || signal.aborted) throw error;
      view.replaceChildren(make("p", `There is no deployment ${name} (any more).`), back());
      status(`Deployment ${name} is undeployed.`);
      return null;
    }
    const health = await healthOf(deployment, signal);
    if (signal.aborted) return null;
    view.replaceChildren(back(), deploymentArticle(page, deployment, health));
    return deployment;
  }
  async function follow(text) {
    if (following) return;
    following = true;
    try {
      for (;;) {
        await pause(SETTLING_MS, signal);
        if (signal.aborted) return;
        const shown = await render();
        if (!shown || settled(shown)) {
          if (shown) status(`${text} Done: deployment ${name} is ${deploymentState(shown)}.`);
          return;
        }
      }
    } catch (error) {
      if (!signal.aborted) status(`Deployment ${name} could not be read again: ${error.message}`);
    } finally {
      following = false;
    }
  }
  status(`Loading deployment ${name}…`);
  const shown = await render();
  if (shown) status(`Deployment ${name}: ${deploymentState(shown)}.`);
  if (shown && !settled(shown)) follow(`Deployment ${name} is changing.`);
}

function back() {
  return make("a", "All deployments", { href: "#/deployments" });
}
