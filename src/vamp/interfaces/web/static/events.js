// The events view (#/events, #/events?tag=a&tag=b): a live panel of the namespace's events, newest first.
// It shows the latest events (GET /events) and then every new one from the event stream
// (events/stream), without a reload, keeping the last KEEP. The tag filter is a text field: its tags
// (separated by spaces or commas) go to the hash, so the filtered panel can be bookmarked, and from
// there to the query and the stream's `tag` parameters (an event must carry every one). An event about
// an artifact (archive events carry `KIND:NAME`) links to that artifact's revisions. When the stream
// breaks, the panel says so and reconnects by itself, fetching what it missed.

import * as api from "./api.js";
import { artifactHref, artifactOf } from "./artifact_links.js";
import { make } from "./dom.js";
import { pause } from "./pause.js";

export const KEEP = 300;
const LATEST = 30;
const RECONNECT_MS = 2_000;
const SUMMARY = 160;

// The tags of the filter field's text: "archive, breeds:sava" → ["archive", "breeds:sava"].
export function tagsOf(text) {
  return text.split(/[\s,]+/).filter(Boolean);
}

function tagQuery(tags) {
  return tags.map((tag) => `tag=${encodeURIComponent(tag)}`).join("&");
}

function summaryOf(value) {
  if (value === null || value === undefined) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > SUMMARY ? `${flat.slice(0, SUMMARY - 1)}…` : flat;
}

function eventItem(event) {
  const item = make("li", undefined, { class: "event" });
  const head = item.appendChild(make("p", undefined, { class: "event-head" }));
  const when = event.timestamp ? new Date(event.timestamp) : null;
  head.append(
    make("time", when ? when.toLocaleTimeString() : "—", when ? { datetime: event.timestamp } : {}),
    " ",
    make("strong", event.type ?? "event"),
  );
  const tags = item.appendChild(make("ul", undefined, { class: "tags", "aria-label": "Tags" }));
  for (const tag of event.tags ?? []) tags.append(make("li", tag));
  const summary = summaryOf(event.value);
  if (summary) item.append(make("p", summary, { class: "event-value" }));
  const about = artifactOf(event);
  if (about) {
    item.append(
      make("a", `Revisions of ${about.kind} ${about.name}`, {
        href: artifactHref(about.kind, about.name, true),
      }),
    );
  }
  return item;
}

function filterForm(tags) {
  const form = make("form", undefined, { role: "search", "aria-label": "Filter events", class: "filter" });
  form.append(make("label", "Filter by tag", { for: "event-tags" }));
  const field = form.appendChild(
    make("input", undefined, { id: "event-tags", name: "tag", spellcheck: "false", autocomplete: "off" }),
  );
  field.value = tags.join(" ");
  form.append(make("p", "Events with every tag given (separate tags with spaces).", { class: "hint" }));
  form.append(make("button", "Filter", { type: "submit" }));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const wanted = tagsOf(field.value);
    location.hash = wanted.length === 0 ? "#/events" : `#/events?${tagQuery(wanted)}`;
  });
  return form;
}

// The panel's list: events newest first, no event twice (by id), at most KEEP.
function eventList(list) {
  const seen = new Set();
  function add(event, { newest }) {
    if (event.id !== undefined && event.id !== null) {
      if (seen.has(event.id)) return;
      seen.add(event.id);
    }
    const item = eventItem(event);
    if (newest) list.prepend(item);
    else list.append(item);
    while (list.children.length > KEEP) list.lastElementChild.remove();
  }
  return { add, count: () => list.children.length };
}

// Shows the events panel in `view`; see app.js for the context.
export async function showEvents(view, match, context) {
  const { status, failed, refused, signal } = context;
  const tags = new URLSearchParams(match[1] ?? "").getAll("tag").filter(Boolean);
  const filtered = tags.length > 0 ? ` with the tag${tags.length === 1 ? "" : "s"} ${tags.join(", ")}` : "";
  const list = make("ol", undefined, { class: "events", "aria-label": "Events, newest first" });
  const events = eventList(list);
  const empty = make("p", `No events${filtered} yet.`);
  const query = tagQuery(tags);
  view.replaceChildren(filterForm(tags), empty, list);
  status(`Loading events${filtered}…`);

  // What the stream sends before the latest events are in waits for them, so that the newest stays on top.
  let pending = [];
  const arrived = ({ data }) => {
    if (!data || typeof data !== "object") return;
    if (pending) pending.push(data);
    else {
      events.add(data, { newest: true });
      empty.hidden = true;
    }
  };
  const catchUp = async () => {
    pending = [];
    const { body } = await api.get(`events?${query}${query ? "&" : ""}per_page=${LATEST}`, { signal });
    for (const event of [...body].reverse()) events.add(event, { newest: true });
    for (const event of pending) events.add(event, { newest: true });
    pending = null;
    empty.hidden = events.count() > 0;
  };

  // One round: open the stream, fetch the latest events once it is open, then read it until it ends.
  const round = async () => {
    const controller = new AbortController();
    const stop = () => controller.abort();
    signal.addEventListener("abort", stop, { once: true });
    let opened;
    const open = new Promise((resolve) => (opened = resolve));
    const path = `events/stream${query ? `?${query}` : ""}`;
    const streaming = api.stream(path, arrived, controller.signal, opened);
    try {
      await Promise.race([open, streaming]);
      await catchUp();
      failed("");
      status(`Listening: ${events.count()} event${events.count() === 1 ? "" : "s"}${filtered} shown.`);
      await streaming;
    } finally {
      controller.abort();
      streaming.catch(() => {});
      signal.removeEventListener("abort", stop);
    }
  };

  const listen = async () => {
    while (!signal.aborted) {
      try {
        await round();
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof api.ApiError && error.refused) {
          // A 403 in a chosen namespace is that namespace's answer; anywhere else the token is refused.
          if (error.status === 401 || !api.namespace()) refused(error);
          else failed(`The events cannot be read (${error.status}): ${error.message}`);
          return;
        }
        failed(`The event stream is cut (${error.message}); reconnecting…`);
      }
      if (signal.aborted) return;
      status("Reconnecting to the event stream…");
      await pause(RECONNECT_MS, signal);
    }
  };
  listen();
}
