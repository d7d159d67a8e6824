// The deployments view (#/deployments): the chosen namespace's deployments with their state, ports and
// clusters' services (breed, state, instances), each linking to its own page (deployment.js), kept live
// by reading them again every few seconds. The states are named as the CLI names them
// (vamp.core.deployments.status).

import * as api from "./api.js";
import { make } from "./dom.js";
import { pause } from "./pause.js";

const PER_PAGE = 30;
const WATCH_MS = 5000; // how often the list is read again

export function breedName(service) {
  const breed = service.breed ?? {};
  return breed.name ?? breed.reference ?? String(breed);
}

function stateOf(service) {
  const status = service.status ?? {};
  const phase = status.phase?.name ?? "unknown";
  return { text: `${status.intention ?? "Deployment"}: ${phase}`, phase: phase.toLowerCase() };
}

// What a service is doing, as the CLI says it: failed, undeploying, deployed or updating.
export function serviceState(service) {
  const status = service.status ?? {};
  if (status.phase?.name === "Failed") return "failed";
  if (status.intention === "Undeployment") return "undeploying";
  if (status.phase?.name === "Done") return "deployed";
  return "updating";
}

// What a deployment is doing, from its services' states (deployed when it has none).
export function deploymentState(deployment) {
  const states = Object.values(deployment.clusters ?? {}).flatMap((cluster) =>
    (cluster.services ?? []).map(serviceState),
  );
  if (states.includes("failed")) return "failed";
  if (states.length > 0 && states.every((state) => state === "undeploying")) return "undeploying";
  if (states.includes("updating")) return "deploying";
  return "deployed";
}

export function deploymentHref(name) {
  return `#/deployments/${encodeURIComponent(name)}`;
}

// "sava.webport=40000, …", or "none".
export function portsText(deployment) {
  const ports = Object.entries(deployment.ports ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return ports.length === 0 ? "none" : ports.map(([name, port]) => `${name}=${port}`).join(", ");
}

function serviceTable(cluster, services) {
  const table = make("table");
  table.append(make("caption", `Services of cluster ${cluster}`, { class: "visually-hidden" }));
  const head = make("tr");
  for (const title of ["Service", "State", "Instances"]) head.append(make("th", title, { scope: "col" }));
  table.appendChild(make("thead")).append(head);
  const body = table.appendChild(make("tbody"));
  for (const service of services) {
    const row = body.appendChild(make("tr"));
    row.append(make("th", breedName(service), { scope: "row" }));
    const state = stateOf(service);
    row.append(make("td", state.text, { class: `state-${state.phase}` }));
    const instances = service.instances ?? [];
    const wanted = service.scale?.instances ?? instances.length;
    row.append(make("td", `${instances.length} of ${wanted}`));
  }
  return table;
}

function deploymentArticle(deployment) {
  const article = make("article", undefined, { "aria-label": `Deployment ${deployment.name}` });
  const heading = article.appendChild(make("h3"));
  heading.append(make("a", deployment.name, { href: deploymentHref(deployment.name) }));
  const state = deploymentState(deployment);
  const facts = article.appendChild(make("p", undefined, { class: "facts" }));
  facts.append(
    make("span", state, { class: `state-${state}` }),
    make("span", `Ports: ${portsText(deployment)}`),
  );
  for (const [name, cluster] of Object.entries(deployment.clusters ?? {})) {
    article.append(make("h4", `Cluster ${name}`));
    article.append(serviceTable(name, cluster.services ?? []));
  }
  return article;
}

function showList(view, body, total, status) {
  view.replaceChildren(...body.map(deploymentArticle));
  if (body.length === 0) view.replaceChildren(make("p", "No deployments yet."));
  const shown = total !== null && total > body.length ? ` (the first ${body.length} of ${total})` : "";
  status(`${body.length} deployment${body.length === 1 ? "" : "s"}${shown}.`);
}

// Shows the deployments in `view`, read again every few seconds and shown again when they changed,
// until the user leaves; see app.js for the context's fields.
export async function showDeployments(view, _match, { status, signal }) {
  status("Loading deployments…");
  const path = `deployments?per_page=${PER_PAGE}`;
  const { body, total } = await api.get(path, { signal });
  showList(view, body, total, status);
  watch(JSON.stringify(body));
  async function watch(shown) {
    while (!signal.aborted) {
      await pause(WATCH_MS, signal);
      if (signal.aborted) return;
      let read;
      try {
        read = await api.get(path, { signal });
      } catch {
        continue; // an unreachable server is reported by api.onConnection's listeners; the list stays
      }
      if (JSON.stringify(read.body) !== shown) {
        showList(view, read.body, read.total, status);
        shown = JSON.stringify(read.body);
      }
    }
  }
}
