// The page: sign in with a token, then, by the URL's hash (#/deployments, #/gateways, #/gateways/NAME,
// so that a reload keeps the view), the deployments of the server's default namespace with their
// clusters and services (breed, state, instances) or its gateways (gateways.js). Everything is written
// with textContent: nothing the API returns is ever read as HTML.

import * as api from "./api.js";
import { element, make } from "./dom.js";
import { showGateways } from "./gateways.js";

const PER_PAGE = 30;

function showStatus(text) {
  element("status").textContent = text;
}

function showError(text) {
  const error = element("error");
  error.textContent = text;
  error.hidden = !text;
}

function showSignedIn(signedIn) {
  element("sign-in").hidden = signedIn;
  element("sign-out").hidden = !signedIn;
  element("views").hidden = !signedIn;
  const gateways = signedIn && location.hash.startsWith("#/gateways");
  element("deployments").hidden = !signedIn || gateways;
  element("gateways").hidden = !gateways;
  for (const link of document.querySelectorAll("#views a")) {
    const current = link.getAttribute("href") === (gateways ? "#/gateways" : "#/deployments");
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function refusedToken(error) {
  api.signOut();
  showSignedIn(false);
  showError(`The token was refused (${error.status}): ${error.message}`);
  element("token").focus();
}

// The view the URL's hash names.
function showView() {
  showError("");
  const match = /^#\/gateways(?:\/(.+))?$/.exec(location.hash);
  if (!match) return loadDeployments();
  showSignedIn(true);
  element("deployment-list").replaceChildren();
  return showGateways(match[1] === undefined ? null : decodeURIComponent(match[1]), {
    status: showStatus,
    refused: refusedToken,
    failed: showError,
  });
}

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

async function loadDeployments() {
  const section = element("deployments");
  const list = element("deployment-list");
  showError("");
  showSignedIn(true);
  section.setAttribute("aria-busy", "true");
  showStatus("Loading deployments…");
  try {
    const { body, total } = await api.get(`deployments?per_page=${PER_PAGE}`);
    list.replaceChildren(...body.map(deploymentArticle));
    if (body.length === 0) list.replaceChildren(make("p", "No deployments yet."));
    const shown = total !== null && total > body.length ? ` (the first ${body.length} of ${total})` : "";
    showStatus(`${body.length} deployment${body.length === 1 ? "" : "s"}${shown}.`);
  } catch (error) {
    list.replaceChildren();
    showStatus("");
    if (error instanceof api.ApiError && error.refused) {
      refusedToken(error);
    } else {
      showError(`The deployments could not be loaded: ${error.message}`);
    }
  } finally {
    section.setAttribute("aria-busy", "false");
  }
}

function start() {
  element("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const field = element("token");
    const secret = field.value.trim();
    field.value = "";
    if (!secret) {
      showError("Enter an API token to sign in.");
      return;
    }
    api.signIn(secret);
    showView();
  });
  element("sign-out").addEventListener("click", () => {
    api.signOut();
    element("deployment-list").replaceChildren();
    element("gateway-view").replaceChildren();
    showStatus("Signed out.");
    showError("");
    showSignedIn(false);
  });
  window.addEventListener("hashchange", () => {
    if (api.token()) showView();
  });
  if (api.token()) showView();
  else showSignedIn(false);
}

start();
