// The artifacts view: the kinds the API stores with how many of each (#/artifacts), one kind's artifacts
// a page at a time (#/artifacts/KIND, #/artifacts/KIND?page=N), one artifact as YAML in the editor
// (#/artifacts/KIND/NAME, artifact_page.js), a new one (#/artifacts/KIND?new) and an artifact's
// revisions from the archive (#/artifacts/KIND/NAME/revisions, revisions.js). Names are encoded in the
// hash with encodeURIComponent, so names with slashes and colons keep to one segment.

import * as api from "./api.js";
import { artifactHref, KINDS, REVISED_KINDS, takeNews } from "./artifact_links.js";
import { artifactPage, newArtifactPage } from "./artifact_page.js";
import { make } from "./dom.js";
import { revisionsPage } from "./revisions.js";


export const PATTERN = /^#\/artifacts(?:\/([a-z]+)(?:\/([^/?]+)(\/revisions)?)?)?(?:\?(.*))?$/;

const PER_PAGE = 30;

// "breeds" → "breed", "slas" → "SLA": how one artifact of a kind is called on the page.
export function singular(kind) {
  if (kind === "slas") return "SLA";
  return kind.endsWith("s") ? kind.slice(0, -1) : kind;
}

async function kindsPage(view, { status, signal }) {
  status("Loading the kinds of artifacts…");
  const counts = await Promise.all(
    KINDS.map((kind) =>
      api.get(`${kind}?per_page=1`, { signal }).then(
        ({ body, total }) => total ?? body.length,
        (error) => {
          if (signal.aborted || error.refused) throw error;
          return null;
        },
      ),
    ),
  );
  const list = make("ul", undefined, { class: "kinds" });
  KINDS.forEach((kind, index) => {
    const item = list.appendChild(make("li"));
    item.append(make("a", kind, { href: artifactHref(kind) }));
    const count = counts[index];
    item.append(make("span", count === null ? " (could not be counted)" : ` (${count})`, { class: "hint" }));
  });
  view.replaceChildren(list);
  status(`${KINDS.length} kinds of artifacts.`);
}

function pageLinks(kind, page, total) {
  const nav = make("nav", undefined, { "aria-label": `Pages of ${kind}`, class: "pages" });
  if (page > 1) nav.append(make("a", "Previous page", { href: `${artifactHref(kind)}?page=${page - 1}` }));
  if (page * PER_PAGE < total) {
    nav.append(make("a", "Next page", { href: `${artifactHref(kind)}?page=${page + 1}` }));
  }
  return nav;
}

async function kindPage(view, kind, page, { status, signal }) {
  status(`Loading ${kind}…`);
  const { body, total } = await api.get(`${kind}?page=${page}&per_page=${PER_PAGE}`, { signal });
  const count = total ?? body.length;
  const parts = [make("a", "All kinds", { href: "#/artifacts" })];
  parts.push(make("h3", kind));
  const create = make("a", `New ${singular(kind)}`, { href: `${artifactHref(kind)}?new`, "data-write": "" });
  parts.push(make("p", undefined, { class: "actions" }));
  parts.at(-1).append(create);
  if (body.length === 0) parts.push(make("p", page > 1 ? "No more on this page." : `No ${kind} yet.`));
  else {
    const table = make("table");
    table.append(make("caption", `${kind}, page ${page}`, { class: "visually-hidden" }));
    const head = make("tr");
    head.append(make("th", "Name", { scope: "col" }), make("th", "Revisions", { scope: "col" }));
    table.appendChild(make("thead")).append(head);
    const rows = table.appendChild(make("tbody"));
    for (const artifact of body) {
      const row = rows.appendChild(make("tr"));
      row.appendChild(make("th", undefined, { scope: "row" })).append(
        make("a", artifact.name, { href: artifactHref(kind, artifact.name) }),
      );
      row.appendChild(make("td")).append(
        make("a", "Revisions", {
          href: artifactHref(kind, artifact.name, true),
          "aria-label": `Revisions of ${artifact.name}`,
        }),
      );
    }
    parts.push(table);
  }
  parts.push(pageLinks(kind, page, count));
  view.replaceChildren(...parts);
  const first = (page - 1) * PER_PAGE + 1;
  const shown = body.length === 0 ? `0 of ${count}` : `${first}–${first + body.length - 1} of ${count}`;
  status(`${kind}: ${shown}.`);
}

// Shows the part of the artifacts view the hash names in `view`, then the news the page before left (if
// any) in the status line; see app.js for the context.
export async function showArtifacts(view, match, context) {
  const news = takeNews();
  await showPart(view, match, context);
  if (news) context.status(news);
}

async function showPart(view, match, context) {
  const [, kind, encoded, revisions, query] = match;
  if (kind === undefined) return kindsPage(view, context);
  const known = revisions ? REVISED_KINDS : KINDS;
  if (!known.includes(kind)) {
    throw new Error(`there is no kind '${kind}' here; the kinds are ${known.join(", ")}`);
  }
  const parameters = new URLSearchParams(query ?? "");
  if (encoded === undefined && parameters.has("new")) return newArtifactPage(view, kind, context);
  if (encoded === undefined) {
    const page = Math.max(1, Number.parseInt(parameters.get("page") ?? "1", 10) || 1);
    return kindPage(view, kind, page, context);
  }
  const name = decodeURIComponent(encoded);
  if (revisions) return revisionsPage(view, kind, name, context);
  return artifactPage(view, kind, name, context);
}
