// What can be done to one whole deployment, on its page (deployment.js): merge a stored blueprint into
// it (PUT /deployments/NAME with the blueprint, as `vamp merge` does), undeploy it after a confirmation
// (DELETE with the deployment read back as a blueprint, as `vamp undeploy` does), and export it as the
// blueprint that would deploy it again (YAML or JSON, as the API gives it, with a download link built
// from a Blob). Controls that write carry `data-write`; exporting only reads.

import * as api from "./api.js";
import { askFirst, outcomeLine } from "./confirmation.js";
import { make } from "./dom.js";

const FORMATS = {
  yaml: { text: "YAML", type: "application/x-yaml", extension: "yaml" },
  json: { text: "JSON", type: "application/json", extension: "json" },
};

function mergeForm(page) {
  const named = { "aria-label": `Merge a blueprint into ${page.name}`, "data-write": "" };
  const form = make("form", undefined, named);
  form.append(make("label", "Blueprint to merge", { for: "merge-blueprint" }));
  const select = form.appendChild(make("select", undefined, { id: "merge-blueprint", required: "" }));
  select.append(make("option", "Loading the blueprints…", { value: "" }));
  const merge = form.appendChild(make("button", "Merge", { type: "submit" }));
  const outcome = form.appendChild(outcomeLine());
  api
    .get("blueprints?per_page=100", { signal: page.signal })
    .then(({ body }) => {
      const options = body.map(({ name }) => make("option", name, { value: name }));
      if (options.length === 0) options.push(make("option", "No stored blueprints", { value: "" }));
      select.replaceChildren(...options);
    })
    .catch((error) => {
      if (page.signal.aborted) return;
      select.replaceChildren(make("option", "The blueprints could not be loaded", { value: "" }));
      outcome.textContent = `The blueprints could not be loaded (${error.status}): ${error.message}`;
      outcome.hidden = false;
    });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = select.value;
    if (!chosen) return;
    merge.disabled = true;
    outcome.hidden = true;
    try {
      const { body: blueprint } = await api.get(api.named("blueprints", chosen), { signal: page.signal });
      await api.put(api.named("deployments", page.name), blueprint);
      await page.refresh(`Blueprint ${chosen} is being merged into ${page.name}.`);
    } catch (error) {
      outcome.textContent = `Not merged (${error.status}): ${error.message}`;
      outcome.hidden = false;
    } finally {
      merge.disabled = false;
    }
  });
  return form;
}

function undeployControl(page) {
  return askFirst({
    label: `Undeploy ${page.name}…`,
    question: `Undeploy ${page.name}? Every service of it stops, and its gateways go.`,
    confirm: `Undeploy ${page.name}`,
    act: async () => {
      const path = api.named("deployments", page.name);
      const { body: blueprint } = await api.get(`${path}?as_blueprint=true`, { signal: page.signal });
      await api.del(path, { body: blueprint });
      await page.gone(`Deployment ${page.name} is being undeployed.`);
    },
  });
}

function exportForm(page) {
  const form = make("form", undefined, { "aria-label": `Export ${page.name} as a blueprint` });
  form.append(make("label", "Format", { for: "export-format" }));
  const select = form.appendChild(make("select", undefined, { id: "export-format" }));
  for (const [value, { text }] of Object.entries(FORMATS)) select.append(make("option", text, { value }));
  const go = form.appendChild(make("button", "Export as blueprint", { type: "submit" }));
  const outcome = form.appendChild(outcomeLine());
  const shown = form.appendChild(make("div", undefined, { class: "export" }));
  let address = null;
  page.signal.addEventListener("abort", () => address && URL.revokeObjectURL(address), { once: true });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const format = FORMATS[select.value];
    go.disabled = true;
    outcome.hidden = true;
    try {
      const path = `${api.named("deployments", page.name)}?as_blueprint=true`;
      const response = await api.request("GET", path, { accept: format.type, signal: page.signal });
      const text = await response.text();
      if (address) URL.revokeObjectURL(address);
      address = URL.createObjectURL(new Blob([text], { type: format.type }));
      const file = `${page.name.replaceAll("/", "-")}.${format.extension}`;
      shown.replaceChildren(
        make("pre", text, { tabindex: "0", "aria-label": `Blueprint of ${page.name} (${format.text})` }),
        make("a", `Download ${file}`, { href: address, download: file }),
      );
      page.status(`Deployment ${page.name} exported as a blueprint (${format.text}).`);
    } catch (error) {
      outcome.textContent = `Not exported (${error.status}): ${error.message}`;
      outcome.hidden = false;
    } finally {
      go.disabled = false;
    }
  });
  return form;
}

// The deployment-wide actions of `page` ({name, signal, status, refresh(text), gone(text)}).
export function actionsOf(page) {
  const named = { role: "group", "aria-label": "Actions", class: "deployment-actions" };
  const part = make("div", undefined, named);
  part.append(make("h4", "Actions"), mergeForm(page), undeployControl(page), exportForm(page));
  return part;
}
