// The kinds of artifacts the API stores and where the artifacts view shows them, shared by its pages and
// by the events panel: the hash of a kind's list, of an artifact's page and of its revisions (names
// encoded with encodeURIComponent, so names with slashes and colons keep to one segment), the artifact an
// event is about, and the news a page leaves for the next one ("… is deleted." on the list it goes to).

export function artifactHref(kind, name = null, revisions = false) {
  if (name === null) return `#/artifacts/${kind}`;
  return `#/artifacts/${kind}/${encodeURIComponent(name)}${revisions ? "/revisions" : ""}`;
}

// The kinds the artifacts view edits; deployments have their own view, but their revisions show here too.
export const KINDS = [
  "breeds",
  "blueprints",
  "gateways",
  "conditions",
  "scales",
  "slas",
  "escalations",
  "routes",
  "rewrites",
  "templates",
  "workflows",
  "releases",
];

export const REVISED_KINDS = [...KINDS, "deployments"];

// The artifact an event is about, by its `KIND:NAME` tag (archive events carry one), or null.
export function artifactOf(event) {
  for (const tag of event.tags ?? []) {
    const colon = tag.indexOf(":");
    if (colon < 0) continue;
    const kind = tag.slice(0, colon);
    if (REVISED_KINDS.includes(kind) && colon < tag.length - 1) return { kind, name: tag.slice(colon + 1) };
  }
  return null;
}

let news = null;

// Goes to `hash`, where the status line will say `text` once the page is shown.
export function goWithNews(hash, text) {
  news = text;
  location.hash = hash;
}

// The news left for this page (once), or null.
export function takeNews() {
  const text = news;
  news = null;
  return text;
}
