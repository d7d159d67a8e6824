// The page: sign in with a token, then the view the URL's hash names (so that a reload or a bookmark keeps
// it). Each view lives in a module of its own and is listed in VIEWS: the hash pattern it answers, the
// <section> of index.html it fills, the nav link it belongs to, and its `show(view, match, context)`.
// `context` gives a view `status(text)` for the polite status line, `failed(text)` for the alert, and
// `signal`, an AbortSignal aborted when the user leaves the view (a view stops its timers and streams
// then). A view that throws an ApiError shows it here: a refused token signs out, anything else is shown
// as an alert. Before each view, session.js makes sure the namespace and the token's role are known (the
// header's chooser; viewers' write controls hidden); connection.js shows "Reconnecting…" while the server
// does not answer and shows the view again when it does. Everything is written with textContent: nothing
// the API returns is ever read as HTML.

import * as api from "./api.js";
import { PATTERN as ARTIFACTS, showArtifacts } from "./artifacts.js";
import { watchConnection } from "./connection.js";
import { showDeployment } from "./deployment.js";
import { showDeployments } from "./deployments.js";
import { element } from "./dom.js";
import { showEvents } from "./events.js";
import { showGateways } from "./gateways.js";
import { showReleases } from "./releases.js";
import * as session from "./session.js";

const VIEWS = [
  {
    pattern: /^#\/deployments\/(.+)$/,
    section: "deployments",
    nav: "#/deployments",
    show: showDeployment,
    failure: "The deployment could not be loaded",
  },
  {
    pattern: ARTIFACTS,
    section: "artifacts",
    nav: "#/artifacts",
    show: showArtifacts,
    failure: "The artifacts could not be loaded",
  },
  {
    pattern: /^#\/events(?:\?(.*))?$/,
    section: "events",
    nav: "#/events",
    show: showEvents,
    failure: "The events could not be loaded",
  },
  {
    pattern: /^#\/gateways(?:\/([^?]+))?(?:\?(.*))?$/,
    section: "gateways",
    nav: "#/gateways",
    show: showGateways,
    failure: "The gateways could not be loaded",
  },
  {
    pattern: /^#\/releases(?:\/(.+))?$/,
    section: "releases",
    nav: "#/releases",
    show: showReleases,
    failure: "The releases could not be loaded",
  },
  {
    pattern: /^(?:#\/deployments)?$/,
    section: "deployments",
    nav: "#/deployments",
    show: showDeployments,
    failure: "The deployments could not be loaded",
  },
];

let leaving = null; // aborts the view shown now

function showStatus(text) {
  element("status").textContent = text;
}

function showError(text) {
  const error = element("error");
  error.textContent = text;
  error.hidden = !text;
}

function sections() {
  return VIEWS.map((view) => element(view.section));
}

function showSignedIn(signedIn, current = null) {
  element("sign-in").hidden = signedIn;
  element("sign-out").hidden = !signedIn;
  element("views").hidden = !signedIn;
  for (const section of sections()) section.hidden = !signedIn || section.id !== current?.section;
  for (const link of document.querySelectorAll("#views a")) {
    if (current && link.getAttribute("href") === current.nav) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function refusedToken(error) {
  api.signOut();
  session.forget();
  leave();
  showSignedIn(false);
  showError(`The token was refused (${error.status}): ${error.message}`);
  element("token").focus();
}

function leave() {
  leaving?.abort();
  leaving = null;
  for (const section of sections()) section.querySelector(".view")?.replaceChildren();
}

// The view the URL's hash names; an unknown hash shows the deployments.
async function showView() {
  leave();
  showError("");
  let match = null;
  const found = VIEWS.find((view) => (match = view.pattern.exec(location.hash))) ?? VIEWS.at(-1);
  showSignedIn(true, found);
  const section = element(found.section);
  const controller = new AbortController();
  leaving = controller;
  section.setAttribute("aria-busy", "true");
  try {
    await session.start({ signal: controller.signal, onChange: showView });
    await found.show(section.querySelector(".view"), match ?? [], {
      status: showStatus,
      failed: showError,
      refused: refusedToken,
      signal: controller.signal,
    });
  } catch (error) {
    if (controller.signal.aborted) return;
    showStatus("");
    const refused = error instanceof api.ApiError && error.refused;
    // A 403 in a chosen namespace is that namespace's answer; anywhere else the token itself is refused.
    if (refused && (error.status === 401 || !api.namespace())) refusedToken(error);
    else showError(`${found.failure}: ${error.message}`);
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
    session.forget();
    leave();
    showStatus("Signed out.");
    showError("");
    showSignedIn(false);
  });
  window.addEventListener("hashchange", () => {
    if (api.token()) showView();
  });
  if (api.token()) showView();
  else showSignedIn(false);
  watchConnection(() => api.token() && showView());
}

start();
