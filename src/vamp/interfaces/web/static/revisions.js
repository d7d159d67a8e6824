// An artifact's revisions (#/artifacts/KIND/NAME/revisions): the archive events of its every create,
// update and delete (vamp.md §1.1: type `archive`, tags `KIND:NAME` and `archive:create|update|delete`,
// the value the source text sent), newest first, each with when it happened and the text it stored.

import * as api from "./api.js";
import { artifactHref } from "./artifact_links.js";
import { make } from "./dom.js";

const PER_PAGE = 30;

// "archive:update" → "update"; the change an archive event records.
function changeOf(event) {
  const tag = (event.tags ?? []).find((each) => /^archive:(create|update|delete)$/.test(each));
  return tag ? tag.slice("archive:".length) : "change";
}

function sourceOf(event) {
  const value = event.value;
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2);
}

function revisionItem(event, index, total) {
  const item = make("li", undefined, { class: "revision" });
  const number = total - index;
  const when = event.timestamp ? new Date(event.timestamp).toLocaleString() : "at an unknown time";
  item.append(make("h4", `Revision ${number}: ${changeOf(event)}, ${when}`));
  if (event.timestamp) item.append(make("p", event.timestamp, { class: "hint" }));
  const source = sourceOf(event);
  if (source) item.append(make("pre", source, { class: "source", tabindex: "0", "aria-label": `Revision ${number}` }));
  return item;
}

// Shows the revisions of artifact `name` of `kind` in `view`; see app.js for the context.
export async function revisionsPage(view, kind, name, { status, signal }) {
  status(`Loading the revisions of ${name}…`);
  const tags = ["archive", `${kind}:${name}`].map((tag) => `tag=${encodeURIComponent(tag)}`).join("&");
  const { body, total } = await api.get(`events?${tags}&per_page=${PER_PAGE}`, { signal });
  const count = total ?? body.length;
  const article = make("article", undefined, { "aria-label": `Revisions of ${name}` });
  article.append(make("h3", `Revisions of ${name}`));
  const links = article.appendChild(make("p", undefined, { class: "actions" }));
  links.append(make("a", `All ${kind}`, { href: artifactHref(kind) }));
  if (kind !== "deployments") links.append(make("a", `${name} now`, { href: artifactHref(kind, name) }));
  if (body.length === 0) article.append(make("p", "The archive holds no revision of it."));
  else {
    const list = article.appendChild(make("ol", undefined, { class: "revisions", reversed: "" }));
    body.forEach((event, index) => list.append(revisionItem(event, index, count)));
  }
  view.replaceChildren(article);
  const shown = count > body.length ? ` (the latest ${body.length} of ${count})` : "";
  status(`${count} revision${count === 1 ? "" : "s"} of ${name}${shown}.`);
}
