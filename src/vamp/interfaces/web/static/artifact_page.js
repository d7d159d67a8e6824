// One artifact's page (#/artifacts/KIND/NAME) and a new artifact's (#/artifacts/KIND?new): the artifact
// as the API gives it in YAML, in the editor (yaml_editor.js); after each pause in typing the text goes
// to the API with validate_only=true and the DSL's issues show under the editor at their line and
// column. Save sends it (PUT, or POST for a new one), Delete asks for a confirmation first, and a
// blueprint's page deploys it as the CLI's `vamp deploy BLUEPRINT DEPLOYMENT` does: the blueprint's JSON
// sent with PUT /deployments/DEPLOYMENT. Every control that changes something carries data-write.

import * as api from "./api.js";
import { artifactHref, goWithNews } from "./artifact_links.js";
import { askFirst } from "./confirmation.js";
import { make } from "./dom.js";
import { yamlEditor } from "./yaml_editor.js";

const YAML = "application/x-yaml";

const TEMPLATES = {
  breeds: [
    "name: my-service:1.0.0",
    "deployable:",
    "  type: command",
    '  definition: "python -m vamp.demo --port $PORT --version 1.0"',
    "ports:",
    "  webport: 8080/http",
    "",
  ].join("\n"),
  blueprints: [
    "name: my-service:1.0",
    "clusters:",
    "  my-service:",
    "    services:",
    "      breed: my-service:1.0.0",
    "",
  ].join("\n"),
};

// The DSL's issues of a refused request, or the refusal itself as one issue without a place.
function issuesOf(error) {
  const issues = error.body?.issues;
  if (Array.isArray(issues) && issues.length > 0) return issues;
  return [{ message: error.message, line: 0, column: 0 }];
}

// Sends the editor's text with validate_only=true after each pause, showing the DSL's verdict; an
// answer to an older text than the editor's is dropped.
function validating(editor, method, path, signal) {
  let checking = null;
  signal.addEventListener("abort", () => checking?.abort(), { once: true });
  return async (text) => {
    checking?.abort();
    const controller = new AbortController();
    checking = controller;
    try {
      await api.request(method, `${path}?validate_only=true`, {
        body: text,
        contentType: YAML,
        signal: controller.signal,
      });
      if (editor.text() === text) editor.showValid("Valid: the DSL finds no error.");
    } catch (error) {
      if (controller.signal.aborted || editor.text() !== text) return;
      if (error.status === 400) editor.showIssues(issuesOf(error), "The DSL finds errors:");
      else editor.showIssues(issuesOf(error), `Not checked (${error.status}):`);
    }
  };
}

function deleteControls(kind, name, { signal }) {
  return askFirst({
    label: `Delete ${name}`,
    danger: true,
    question: `Delete the ${kind} artifact ${name}? This cannot be undone.`,
    confirm: `Yes, delete ${name}`,
    refused: "Not deleted",
    act: async () => {
      await api.del(api.named(kind, name), { signal });
      goWithNews(artifactHref(kind), `${name} is deleted.`);
    },
  });
}

// The deployment a blueprint is deployed as by default: its name without the version ("sava:1.0" → "sava").
function deploymentName(blueprint) {
  return blueprint.split(":")[0].replace(/[^A-Za-z0-9._-]+/g, "-") || blueprint;
}

function deployForm(name, { status, signal }) {
  const form = make("form", undefined, { "aria-label": `Deploy ${name}`, class: "deploy" });
  form.append(make("h4", "Deploy this blueprint"));
  form.append(make("label", "Deployment name", { for: "deploy-as" }));
  const field = form.appendChild(
    make("input", undefined, { id: "deploy-as", name: "deployment", required: "", "data-write": "" }),
  );
  field.value = deploymentName(name);
  form.append(make("p", "An existing deployment gets the blueprint merged into it.", { class: "hint" }));
  const button = form.appendChild(make("button", "Deploy", { type: "submit", "data-write": "" }));
  const outcome = form.appendChild(make("p", undefined, { role: "alert", class: "outcome", hidden: "" }));
  const done = form.appendChild(make("p", undefined, { class: "deployed", hidden: "" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const deployment = field.value.trim();
    if (!deployment) {
      outcome.textContent = "Name the deployment to create or merge into.";
      outcome.hidden = false;
      return;
    }
    button.disabled = true;
    outcome.hidden = true;
    done.hidden = true;
    try {
      const { body } = await api.get(api.named("blueprints", name), { signal });
      await api.put(api.named("deployments", deployment), body, { signal });
      done.replaceChildren(
        `${name} is being deployed as ${deployment}. `,
        make("a", "See the deployments", { href: "#/deployments" }),
      );
      done.hidden = false;
      status(`Deploying ${name} as ${deployment}.`);
    } catch (error) {
      if (signal.aborted) return;
      outcome.textContent = `Not deployed (${error.status}): ${error.message}`;
      outcome.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function saveForm(editor, label, onSave) {
  const form = make("form", undefined, { "aria-label": label, class: "save" });
  const button = form.appendChild(make("button", "Save", { type: "submit", "data-write": "" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    editor.stop();
    button.disabled = true;
    try {
      await onSave(editor.text());
    } catch (error) {
      if (error.name === "AbortError") return;
      editor.showIssues(issuesOf(error), `Not saved (${error.status}):`);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

// Shows artifact `name` of `kind` in `view`; see app.js for the context.
export async function artifactPage(view, kind, name, context) {
  const { status, signal } = context;
  status(`Loading ${name}…`);
  const response = await api.request("GET", api.named(kind, name), { accept: YAML, signal });
  const text = await response.text();
  const article = make("article", undefined, { "aria-label": `${kind} ${name}` });
  article.append(make("h3", name));
  const links = article.appendChild(make("p", undefined, { class: "actions" }));
  links.append(
    make("a", `All ${kind}`, { href: artifactHref(kind) }),
    make("a", "Revisions", { href: artifactHref(kind, name, true) }),
  );
  const path = api.named(kind, name);
  const editor = yamlEditor({ id: "artifact-yaml", label: `${name} as YAML`, text });
  editor.onPause = validating(editor, "PUT", path, signal);
  article.append(editor.element);
  const controls = article.appendChild(make("div", undefined, { class: "controls" }));
  controls.append(
    saveForm(editor, `Save ${name}`, async (yaml) => {
      await api.request("PUT", path, { body: yaml, contentType: YAML, signal });
      await artifactPage(view, kind, name, context);
      status(`${name} is saved.`);
    }),
    deleteControls(kind, name, context),
  );
  if (kind === "blueprints") article.append(deployForm(name, context));
  view.replaceChildren(article);
  signal.addEventListener("abort", editor.stop, { once: true });
  status(`${name} (${kind}).`);
}

// The name of the artifact of `kind` a create answer gives: the one stored, or among several (a
// blueprint with the breeds stored with it) the first of that kind.
function storedName(reply, kind) {
  const stored = Array.isArray(reply) ? reply : [reply];
  return (stored.find((artifact) => artifact?.kind === kind) ?? stored.at(-1))?.name ?? null;
}

// Shows the page of a new artifact of `kind` in `view`.
export async function newArtifactPage(view, kind, context) {
  const { status, signal } = context;
  const article = make("article", undefined, { "aria-label": `New ${kind}` });
  article.append(make("h3", `New artifact of ${kind}`));
  article.append(make("p", "Write it in YAML; the DSL checks it as you type.", { class: "hint" }));
  const template = TEMPLATES[kind] ?? "name: \n";
  const editor = yamlEditor({ id: "artifact-yaml", label: "The new artifact as YAML", text: template });
  editor.onPause = validating(editor, "POST", kind, signal);
  article.append(editor.element);
  article.append(
    saveForm(editor, "Create", async (yaml) => {
      const response = await api.request("POST", kind, { body: yaml, contentType: YAML, signal });
      const reply = await response.json();
      const name = storedName(reply, kind);
      const created = `${name ?? "The artifact"} is created.`;
      goWithNews(name === null ? artifactHref(kind) : artifactHref(kind, name), created);
    }),
  );
  view.replaceChildren(make("a", `All ${kind}`, { href: artifactHref(kind) }), article);
  signal.addEventListener("abort", editor.stop, { once: true });
  status(`A new artifact of ${kind}.`);
}
