// Paged lists: which page the URL's hash asks for (#/gateways?page=3, so that a page can be bookmarked
// and reloaded) and the pager under a list — First, Previous, "31–60 of 1,000", Next, Last — as links to
// those hashes, so the keyboard, the Back button and a new tab all work as they do for any link (the link
// followed keeps the focus on the new page). The API
// serves at most PER_PAGE items a page and says the total in X-Total-Count (vamp.md §2.1).

import { make } from "./dom.js";

export const PER_PAGE = 30;

const count = new Intl.NumberFormat("en");
let followed = null; // the pager link last clicked: the new page's pager gives it the focus again

// The page a hash's query (`page=3`, or undefined) asks for: a whole number from 1, else 1.
export function askedPage(query) {
  const page = Number(new URLSearchParams(query ?? "").get("page") ?? "1");
  return Number.isInteger(page) && page >= 1 && page <= 1_000_000 ? page : 1;
}

export function lastPage(total, perPage = PER_PAGE) {
  return Math.max(1, Math.ceil(total / perPage));
}

// "31–60 of 1,000": the items page `page` shows.
export function rangeText(page, shown, total, perPage = PER_PAGE) {
  if (shown === 0) return `none of ${count.format(total)}`;
  const first = (page - 1) * perPage + 1;
  return `${count.format(first)}–${count.format(first + shown - 1)} of ${count.format(total)}`;
}

// The pager of a list at `base` (a hash: "#/gateways") on page `page`; `what` names the items
// ("Gateways") for the pager's label. Links to pages that do not exist are left out.
export function pager({ base, what, page, shown, total, perPage = PER_PAGE }) {
  const last = lastPage(total, perPage);
  const nav = make("nav", undefined, { class: "pager", "aria-label": `${what} pages` });
  const link = (text, to, rel) => {
    const attributes = { href: `${base}?page=${to}` };
    if (rel) attributes.rel = rel;
    const anchor = nav.appendChild(make("a", text, attributes));
    anchor.addEventListener("click", () => {
      followed = text;
    });
    if (followed === text) queueMicrotask(() => anchor.focus());
  };
  if (page > 1) {
    link("First", 1);
    link("Previous", Math.min(page - 1, last), "prev");
  }
  nav.append(make("span", rangeText(page, shown, total, perPage), { class: "range" }));
  if (page < last) {
    link("Next", page + 1, "next");
    link("Last", last);
  }
  followed = null;
  return nav;
}
