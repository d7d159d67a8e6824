// The deployments view (#/deployments): the deployments of the chosen namespace with their clusters and
// services (breed, state, instances).

import * as api from "./api.js";
import { make } from "./dom.js";

const PER_PAGE = 30;

function breedName(service) {
  const breed = service.breed ?? {};
  return breed.name ?? breed.reference ?? String(breed);
}

function stateOf(service) {
  const status = service.status ?? {};
  const phase = status.phase?.name ?? "unknown";
  return { text: `${status.intention ?? "Deployment"}: ${phase}`, phase: phase.toLowerCase() };
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
  article.append(make("h3", deployment.name));
  for (const [name, cluster] of Object.entries(deployment.clusters ?? {})) {
    article.append(make("h4", `Cluster ${name}`));
    article.append(serviceTable(name, cluster.services ?? []));
  }
  return article;
}

// Shows the deployments in `view`; see app.js for the context's fields.
export async function showDeployments(view, _match, { status, signal }) {
  status("Loading deployments…");
  const { body, total } = await api.get(`deployments?per_page=${PER_PAGE}`, { signal });
  view.replaceChildren(...body.map(deploymentArticle));
  if (body.length === 0) view.replaceChildren(make("p", "No deployments yet."));
  const shown = total !== null && total > body.length ? ` (the first ${body.length} of ${total})` : "";
  status(`${body.length} deployment${body.length === 1 ? "" : "s"}${shown}.`);
}
