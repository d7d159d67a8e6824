// Whether the Vamp server answers, as the user sees it: a "Reconnecting…" banner while it does not, and
// the view shown again by itself once it does. The server is taken as lost when a request or the event
// stream cannot reach it (api.onConnection(false)) or when the heartbeat — GET /healthz, which needs no
// token, every HEARTBEAT_MS while the tab is visible — gets no answer. While it is lost, /healthz is
// asked again with a growing pause (FIRST_RETRY_MS, then ×1.5 up to LAST_RETRY_MS); the first answer
// (or any request of the page that gets through) hides the banner and calls `onBack`.

import * as api from "./api.js";
import { make } from "./dom.js";

export const HEARTBEAT_MS = 5_000;
export const FIRST_RETRY_MS = 500;
export const LAST_RETRY_MS = 2_000;
const ASK_MS = 3_000; // how long one /healthz may take before it counts as no answer

let banner = null;
let lost = false;
let timer = null;
let pause = FIRST_RETRY_MS;
let back = () => {};

async function answers() {
  const controller = new AbortController();
  const giveUp = setTimeout(() => controller.abort(), ASK_MS);
  try {
    const response = await fetch("/healthz", { cache: "no-store", signal: controller.signal });
    return response.ok;
  } catch {
    return false;
  } finally {
    clearTimeout(giveUp);
  }
}

function next(delay) {
  clearTimeout(timer);
  timer = setTimeout(check, delay);
}

async function check() {
  if (!lost && document.visibilityState !== "visible") {
    next(HEARTBEAT_MS);
    return;
  }
  const up = await answers();
  if (up) found();
  else missing();
}

function missing() {
  if (!lost) {
    lost = true;
    pause = FIRST_RETRY_MS;
    banner.hidden = false;
  } else {
    pause = Math.min(LAST_RETRY_MS, pause * 1.5);
  }
  next(pause);
}

function found() {
  if (lost) {
    lost = false;
    banner.hidden = true;
    back();
  }
  next(HEARTBEAT_MS);
}

// Starts watching; `onBack()` is called each time the server answers again after it was lost.
export function watchConnection(onBack) {
  back = onBack;
  banner = make("p", "Reconnecting… the Vamp server does not answer; this page will refresh when it does.", {
    id: "connection",
    role: "alert",
    class: "banner",
    hidden: "",
  });
  document.querySelector("main").prepend(banner);
  api.onConnection((up) => {
    if (up) found();
    else if (!lost) missing();
  });
  next(HEARTBEAT_MS);
}
